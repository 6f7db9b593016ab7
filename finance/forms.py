from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ordermgmt.widgets import DateInput
from orders.receivables import AGEING_BUCKETS

from .models import AccountRole, InvoiceType


class DraftForm(forms.Form):
    """The invoice type of the orders ticked on the finance desk (one customer's, for 合并开票)."""

    invoice_type = forms.ChoiceField(label=_("发票类型"), choices=InvoiceType.choices)


class IssueForm(forms.Form):
    number = forms.CharField(label=_("发票号码"), max_length=20)
    code = forms.CharField(label=_("发票代码（数电票不填）"), max_length=12, required=False)
    issued_on = forms.DateField(label=_("开票日期"), widget=DateInput)


class ReverseForm(IssueForm):
    """The red invoice the tax system issued for the reversal."""

    reason = forms.CharField(label=_("红冲原因"), max_length=300)
    number = forms.CharField(label=_("红字发票号码"), max_length=20)
    issued_on = forms.DateField(label=_("红冲日期"), widget=DateInput)


class ResultUploadForm(forms.Form):
    file = forms.FileField(label=_("税控工具导出的开票结果（.xlsx：单据号、发票代码、发票号码、开票日期）"))


class MonthForm(forms.Form):
    month = forms.DateField(label=_("月份"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"},
                                                                                          format="%Y-%m"))


class AccountMappingForm(forms.Form):
    def __init__(self, *args, mappings, **kwargs):
        super().__init__(*args, **kwargs)
        for mapping in mappings:
            label = AccountRole(mapping.role).label
            self.fields[f"{mapping.role}_code"] = forms.CharField(label=label, max_length=30, initial=mapping.code)
            self.fields[f"{mapping.role}_name"] = forms.CharField(label=_("科目名称"), max_length=60, initial=mapping.name)
        self.roles = [m.role for m in mappings]

    def codes(self) -> dict[str, tuple[str, str]]:
        return {role: (self.cleaned_data[f"{role}_code"], self.cleaned_data[f"{role}_name"]) for role in self.roles}


class AgeingFilterForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("负责销售"), required=False, empty_label=_("全部"),
                                   queryset=get_user_model().objects.filter(customers__isnull=False).distinct()
                                   .order_by("username"))
    q = forms.CharField(label=_("客户"), required=False, max_length=100)
    min_bucket = forms.ChoiceField(label=_("账龄至少"), required=False,
                                   choices=[("", _("全部"))] + [(b.key, _(b.label)) for b in AGEING_BUCKETS[1:]])
    overdue_only = forms.BooleanField(label=_("只看有逾期的客户"), required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"owner_id": data["owner"].pk if data["owner"] else None, "query": data["q"],
                "min_bucket": data["min_bucket"], "overdue_only": data["overdue_only"]}


class StatementPeriodForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=DateInput())
    end = forms.DateField(label=_("结束日期"), widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("结束日期不能早于开始日期"))
        return data


class StatementSendForm(StatementPeriodForm):
    email = forms.EmailField(label=_("收件邮箱"))


class CreditLimitForm(forms.Form):
    new_limit = forms.DecimalField(label=_("新信用额度(元)"), min_value=0, max_digits=14, decimal_places=2)
    reason = forms.CharField(label=_("调整原因"), max_length=300)
    suggested_limit = forms.DecimalField(required=False, widget=forms.HiddenInput(), max_digits=14, decimal_places=2)


class CreditApplyForm(forms.Form):
    amount = forms.DecimalField(label=_("抵扣金额(元)"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2)


class StandardCostForm(forms.Form):
    standard_cost = forms.DecimalField(label=_("标准成本(元,不含税)"), required=False, min_value=0, max_digits=12,
                                       decimal_places=2)
