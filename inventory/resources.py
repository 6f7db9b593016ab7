"""Products in and out of the Django admin as spreadsheets (django-import-export)."""

from import_export import fields, resources, widgets

from customers.resources import ChoiceLabelWidget
from ordermgmt.spreadsheets import FormulaSafeResourceMixin

from .models import VAT_RATE_CHOICES, Product, StockType


class YesNoWidget(widgets.BooleanWidget):
    TRUE_VALUES = ["是", "1", 1, True, "true", "TRUE", "True", "在售"]
    FALSE_VALUES = ["否", "0", 0, False, "false", "FALSE", "False", "停售"]

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class VatRateWidget(widgets.DecimalWidget):
    """13% / 0.13 both mean a rate of 0.13; only the legal rates are accepted."""

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        rate = super().clean(text.rstrip("%"), row, **kwargs)
        if text.endswith("%"):
            rate = rate / 100
        rate = rate.quantize(VAT_RATE_CHOICES[0][0])
        if rate not in {choice for choice, _ in VAT_RATE_CHOICES}:
            raise ValueError(f"税率只能是 {' / '.join(label for _, label in VAT_RATE_CHOICES)}")
        return rate

    def render(self, value, obj=None, **kwargs):
        return f"{value * 100:.0f}%" if value is not None else ""


class ProductResource(FormulaSafeResourceMixin, resources.ModelResource):
    sku = fields.Field(attribute="sku", column_name="商品编码")
    name = fields.Field(attribute="name", column_name="商品名称")
    spec = fields.Field(attribute="spec", column_name="规格型号")
    unit = fields.Field(attribute="unit", column_name="单位")
    list_price = fields.Field(attribute="list_price", column_name="标准单价(元,不含税)", widget=widgets.DecimalWidget())
    vat_rate = fields.Field(attribute="vat_rate", column_name="增值税率", widget=VatRateWidget())
    stock_type = fields.Field(attribute="stock_type", column_name="库存类型", widget=ChoiceLabelWidget(StockType.choices))
    safety_stock = fields.Field(attribute="safety_stock", column_name="安全库存", widget=widgets.IntegerWidget())
    is_active = fields.Field(attribute="is_active", column_name="在售", widget=YesNoWidget())

    class Meta:
        model = Product
        fields = ("sku", "name", "spec", "unit", "list_price", "vat_rate", "stock_type", "safety_stock", "is_active")
        import_id_fields = ("sku",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
