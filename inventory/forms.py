from django import forms

from .models import Product, PurchaseRequest, Warehouse


class ReceiveForm(forms.Form):
    product = forms.ModelChoiceField(label="商品", queryset=Product.objects.filter(is_active=True).order_by("sku"))
    warehouse = forms.ModelChoiceField(label="仓库", queryset=Warehouse.objects.filter(is_active=True))
    quantity = forms.IntegerField(label="入库数量", min_value=1, error_messages={"min_value": "入库数量必须是正整数"})
    purchase_request = forms.ModelChoiceField(
        label="对应采购申请",
        queryset=PurchaseRequest.objects.filter(state__in=["open", "ordered"]).select_related("product"),
        required=False,
        empty_label="— 无（普通入库）—",
    )
    batch_no = forms.CharField(label="批次号", max_length=40, required=False, help_text="留空则自动生成")
    reason = forms.CharField(label="备注", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        request, product = data.get("purchase_request"), data.get("product")
        if request and product and request.product_id != product.pk:
            self.add_error("purchase_request", f"采购申请 {request.number} 是商品 {request.product.sku} 的，与所选商品不一致")
        return data


class AdjustForm(forms.Form):
    counted_quantity = forms.IntegerField(label="盘点数量", min_value=0)
    reason = forms.CharField(label="调整原因", max_length=200)


class CancelRequestForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200)
