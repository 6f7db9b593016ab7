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
    reason = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
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
