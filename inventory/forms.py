from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordermgmt.money import QuantityField
from ordermgmt.pickers import picker_widget
from ordermgmt.widgets import DateInput

from .models import Product, PurchaseRequest, Warehouse


class ReceiveForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("商品"), queryset=Product.objects.filter(is_active=True).order_by("sku"),
        widget=picker_widget("inventory:product_picker", label=_("商品"), placeholder=_("编码 / 名称 / 规格 / 拼音首字母")),
    )
    warehouse = forms.ModelChoiceField(label=_("仓库"), queryset=Warehouse.objects.filter(is_active=True))
    quantity = QuantityField(label=_("入库数量"), min_value=1, error_messages={"min_value": _("入库数量必须是正整数")})
    purchase_request = forms.ModelChoiceField(
        label=_("对应采购申请"),
        queryset=PurchaseRequest.objects.filter(state__in=["open", "ordered"]).select_related("product"),
        required=False,
        empty_label=_("— 无（普通入库）—"),
    )
    batch_no = forms.CharField(label=_("批次号"), max_length=40, required=False, help_text=_("留空则自动生成"))
    production_date = forms.DateField(label=_("生产日期"), required=False, widget=DateInput())
    expiry_date = forms.DateField(label=_("有效期至"), required=False, widget=DateInput(),
                                  help_text=_("效期管理的商品必填：按先到期先出分配，过期批次不再分配"))
    reason = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        product = data.get("product")
        if product is not None and product.tracks_expiry and not data.get("expiry_date"):
            self.add_error("expiry_date", gettext("商品 %(sku)s 实行效期管理，请填写有效期至") % {"sku": product.sku})
        request, product = data.get("purchase_request"), data.get("product")
        if request and product and request.product_id != product.pk:
            self.add_error(
                "purchase_request",
                gettext("采购申请 %(number)s 是商品 %(sku)s 的，与所选商品不一致")
                % {"number": request.number, "sku": request.product.sku},
            )
        return data


class AdjustForm(forms.Form):
    counted_quantity = QuantityField(label=_("盘点数量"), min_value=0)
    reason = forms.CharField(label=_("调整原因"), max_length=200)


class MarkOrderedForm(forms.Form):
    expected_date = forms.DateField(label=_("预计到货"), required=False, widget=DateInput())
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class CancelRequestForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class WarehouseRuleForm(forms.Form):
    name = forms.CharField(label=_("规则名称"), max_length=40, help_text=_("显示在订单的发货仓说明中，如“华南”"))
    province = forms.CharField(label=_("收货省份"), max_length=20, required=False, help_text=_("如 广东省；留空表示不限"))
    city = forms.CharField(label=_("收货城市"), max_length=30, required=False, help_text=_("如 深圳市；留空表示全省"))
    channel = forms.CharField(label=_("下单渠道"), max_length=40, required=False,
                              help_text=_("渠道编码（如 taobao-shop-1）或下单渠道（online、phone、email、import、api）"))
    warehouses = forms.CharField(label=_("发货仓库（按优先顺序）"), max_length=200,
                                 help_text=_("仓库编码，用逗号分隔，如 GZ, SH：先试第一个"))
    min_shelf_life_days = QuantityField(label=_("最短剩余保质期(天)"), min_value=0, required=False,
                                        help_text=_("效期商品：剩余保质期不足此天数的批次不分配；0 或留空表示不限"))
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    @classmethod
    def for_rule(cls, rule, data=None):
        initial = {
            "name": rule.name, "province": rule.province, "city": rule.city, "channel": rule.channel,
            "warehouses": ", ".join(step.warehouse.code for step in rule.steps.select_related("warehouse")),
            "min_shelf_life_days": rule.min_shelf_life_days, "is_active": rule.is_active,
        }
        return cls(data, initial=initial)
