from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import Warehouse
from ordermgmt import roles
from ordermgmt.widgets import ISO_DATETIME_MINUTES, DateInput, DateTimeInput
from ordermgmt.money import MoneyField, QuantityField

from .models import Carrier, EventKind, ReceiptCondition, Resolution


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class ProductionPlanForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("生产组长"), queryset=None, required=False, empty_label=_("— 未指定 —"))
    planned_start = forms.DateField(label=_("计划开工"), required=False, widget=DateInput())
    planned_finish = forms.DateField(label=_("计划完工"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True, groups__name__in=[roles.PRODUCTION, roles.MANAGER])
            .distinct().order_by("first_name", "username")
        )
        self.fields["owner"].label_from_instance = lambda u: (u.get_full_name() or u.username)


class QcForm(forms.Form):
    note = forms.CharField(label=_("质检记录"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class StockForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("入库仓库"), queryset=Warehouse.objects.filter(is_active=True))


class PickListForm(forms.Form):
    """One quantity field per reserved batch (``qty_<allocation id>``)."""

    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, allocations, **kwargs):
        super().__init__(*args, **kwargs)
        self.allocations = allocations
        for allocation in allocations:
            self.fields[f"qty_{allocation.pk}"] = QuantityField(
                label=f"{allocation.order_line.product_name} {allocation.batch.batch_no}",
                min_value=0, max_value=allocation.quantity, initial=allocation.quantity,
            )

    def rows(self):
        return [(allocation, self[f"qty_{allocation.pk}"]) for allocation in self.allocations]

    def quantities(self) -> dict[int, int]:
        return {a.pk: self.cleaned_data.get(f"qty_{a.pk}") or 0 for a in self.allocations}


class ChangeWarehouseForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("改由此仓库发货"),
                                       queryset=Warehouse.objects.filter(is_active=True, is_quarantine=False))
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class PackForm(forms.Form):
    package_count = QuantityField(label=_("包裹数"), min_value=1, max_value=999, initial=1)


class ShipForm(forms.Form):
    carrier = forms.ModelChoiceField(label=_("承运商"), queryset=Carrier.objects.filter(is_active=True))
    tracking_number = forms.CharField(label=_("物流单号"), max_length=40)
    expected_delivery_date = forms.DateField(
        label=_("预计送达"), required=False, widget=DateInput(), help_text=_("留空则按承运商到该省的标准时效计算")
    )


class ShipmentEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("物流状态"), choices=EventKind.choices)
    occurred_at = forms.DateTimeField(label=_("时间"), widget=DateTimeInput(), input_formats=[ISO_DATETIME_MINUTES])
    place = forms.CharField(label=_("地点"), required=False, max_length=100)
    note = forms.CharField(label=_("说明"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)


class SignForm(forms.Form):
    """Photos come from ``request.FILES`` (several per field); the drawn signature arrives
    from the canvas as a data URL in a hidden field."""

    receiver_name = forms.CharField(label=_("签收人"), max_length=50)
    signed_at = forms.DateTimeField(
        label=_("签收时间"), required=False, widget=DateTimeInput(), input_formats=[ISO_DATETIME_MINUTES],
        help_text=_("留空为当前时间"),
    )
    condition = forms.ChoiceField(label=_("货物状况"), choices=ReceiptCondition.choices, initial=ReceiptCondition.NORMAL)
    note = forms.CharField(label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    signature = forms.CharField(required=False, widget=forms.HiddenInput())


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("处理方式"), choices=[(Resolution.RESHIP, _("补发")), (Resolution.COMPENSATION, _("赔偿"))], widget=forms.RadioSelect
    )
    compensation_amount = MoneyField(label=_("赔偿金额(元)"), required=False, max_digits=12)
    note = forms.CharField(label=_("说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("邮件标题"), required=False, max_length=200)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 8}))
    is_active = forms.BooleanField(label=_("启用"), required=False)


class TrackingForm(forms.Form):
    number = forms.CharField(label=_("订单号"), max_length=20)
    phone_last4 = forms.CharField(label=_("联系电话后4位"), min_length=4, max_length=4)
