from django import forms
from django.utils.translation import gettext_lazy as _

from ordermgmt.widgets import DateInput

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
