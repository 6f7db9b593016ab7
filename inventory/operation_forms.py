"""Forms of the transfer and stock count pages."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordermgmt.money import QuantityField
from ordermgmt.pickers import picker_widget

from .models import Category, Product, Warehouse


class TransferForm(forms.Form):
    source = forms.ModelChoiceField(label=_("调出仓库"), queryset=Warehouse.objects.filter(is_active=True))
    destination = forms.ModelChoiceField(label=_("调入仓库"), queryset=Warehouse.objects.filter(is_active=True))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("source") == data.get("destination"):
            self.add_error("destination", gettext("调出仓库和调入仓库不能相同"))
        return data


class TransferLineForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("商品"), queryset=Product.objects.filter(is_active=True).order_by("sku"), required=False,
        widget=picker_widget("inventory:product_picker", label=_("商品"), placeholder=_("编码 / 名称 / 规格 / 拼音首字母")),
    )
    quantity = QuantityField(label=_("数量"), min_value=1, required=False)

    def clean(self):
        data = super().clean()
        if data.get("product") and not data.get("quantity"):
            self.add_error("quantity", gettext("请填写调拨数量"))
        if data.get("quantity") and not data.get("product"):
            self.add_error("product", gettext("请选择商品"))
        return data


TransferLineFormSet = forms.formset_factory(TransferLineForm, extra=5, max_num=100)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class CountForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("仓库"), queryset=Warehouse.objects.filter(is_active=True))
    category = forms.ModelChoiceField(label=_("类目"), queryset=Category.objects.all(), required=False,
                                      empty_label=_("— 全部类目 —"))
    product_query = forms.CharField(label=_("商品筛选"), max_length=60, required=False,
                                    help_text=_("商品编码或名称的一部分；留空则盘点全部商品"))
    blind = forms.BooleanField(label=_("盲盘（盘点人看不到账面数量）"), required=False, initial=True)
    tolerance = forms.IntegerField(label=_("复盘阈值"), min_value=0, initial=0,
                                   help_text=_("差异超过此数量的行须复盘"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class CountUploadForm(forms.Form):
    file = forms.FileField(label=_("盘点表（.xlsx）"))
