from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Category, Product, PurchaseRequest, Warehouse
from ordermgmt.money import MoneyField, QuantityField
from ordermgmt.pickers import picker_widget
from ordermgmt.widgets import DateInput

from .models import ProposalKind, ReplenishmentRule, Supplier


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["name", "credit_code", "contact_name", "contact_phone", "email", "address", "note"]


class QualificationForm(forms.Form):
    name = forms.CharField(label=_("资质名称"), max_length=60, help_text=_("如 营业执照、生产许可证、ISO 9001"))
    document = forms.FileField(label=_("资质文件（PDF 或图片）"))
    expires_on = forms.DateField(label=_("有效期至"), widget=DateInput())


def _product_field(label=_("商品")):
    return forms.ModelChoiceField(
        label=label, queryset=Product.objects.filter(is_active=True).order_by("sku"),
        widget=picker_widget("inventory:product_picker", label=label, placeholder=_("编码 / 名称 / 规格 / 拼音首字母")),
    )


class SupplierProductForm(forms.Form):
    product = _product_field()
    price = MoneyField(label=_("采购单价(元)"), max_digits=12)
    lead_time_days = QuantityField(label=_("采购周期(天)"), initial=7)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


def _receiving_warehouses():
    return Warehouse.objects.filter(is_active=True, is_quarantine=False)


class PurchaseOrderHeadForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("供应商"), queryset=Supplier.objects.none())
    warehouse = forms.ModelChoiceField(label=_("收货仓库"), queryset=Warehouse.objects.none())
    expected_date = forms.DateField(label=_("预计到货"), required=False, widget=DateInput())
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, suppliers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers if suppliers is not None else Supplier.objects.all()
        self.fields["warehouse"].queryset = _receiving_warehouses()


class PurchaseOrderLineForm(forms.Form):
    product = _product_field()
    quantity = QuantityField(label=_("数量"), min_value=1)
    unit_price = MoneyField(label=_("单价(元)"), max_digits=12)


PurchaseOrderLineFormSet = forms.formset_factory(PurchaseOrderLineForm, extra=4, min_num=1, validate_min=True)


class FromRequestsForm(PurchaseOrderHeadForm):
    requests = forms.ModelMultipleChoiceField(label=_("采购申请"), queryset=PurchaseRequest.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requests"].queryset = (PurchaseRequest.objects.filter(state=PurchaseRequest.State.OPEN)
                                            .select_related("product", "order"))


class ReceiveLineForm(forms.Form):
    accepted = QuantityField(label=_("合格数量"), min_value=0, initial=0)
    rejected = QuantityField(label=_("不合格数量"), min_value=0, initial=0)
    qc_note = forms.CharField(label=_("检验记录"), max_length=300, required=False,
                              help_text=_("有不合格品时必填：不合格原因"))
    batch_no = forms.CharField(label=_("批次号"), max_length=40, required=False, help_text=_("留空则自动生成"))
    production_date = forms.DateField(label=_("生产日期"), required=False, widget=DateInput())
    expiry_date = forms.DateField(label=_("有效期至"), required=False, widget=DateInput())


class ProposalEditForm(forms.Form):
    quantity = QuantityField(label=_("数量"), min_value=1)
    kind = forms.ChoiceField(label=_("方式"), choices=ProposalKind.choices)
    source_warehouse = forms.ModelChoiceField(label=_("调出仓库"), required=False, queryset=Warehouse.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_warehouse"].queryset = _receiving_warehouses()


class ReplenishmentRuleForm(forms.ModelForm):
    product = _product_field()
    safety_stock = QuantityField(label=_("安全库存"), initial=0)
    reorder_point = QuantityField(label=_("再订货点"), required=False,
                                  help_text=_("留空则按建议值（近8周日均需求 × 采购周期 + 安全库存）"))
    reorder_quantity = QuantityField(label=_("再订货量"), initial=0, required=False)
    max_stock = QuantityField(label=_("最高库存"), required=False, help_text=_("填写则补货到此数量（最低/最高法）"))

    class Meta:
        model = ReplenishmentRule
        fields = ["product", "warehouse", "safety_stock", "reorder_point", "reorder_quantity", "max_stock"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = _receiving_warehouses()


class SlowMovingFilterForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("仓库"), required=False, queryset=Warehouse.objects.all())
    category = forms.ModelChoiceField(label=_("类目"), required=False, queryset=Category.objects.all())
    by = forms.ChoiceField(label=_("分段依据"), required=False,
                           choices=[("idle", _("距最近一次出入库天数")), ("age", _("批次库龄"))])
    min_idle_days = QuantityField(label=_("呆滞天数不少于"), required=False)
