from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from customers.models import Customer, CustomerLevel
from customers.selectors import customers_visible_to
from customers.phones import normalize_phone
from inventory.models import Product
from inventory.services.units import resolve_unit
from ordermgmt.errors import InvalidInput
from ordermgmt.pickers import picker_widget
from ordermgmt.widgets import DateInput
from ordermgmt.money import CENT, MoneyField, QuantityField

from .models import Channel, InvoiceType, Order, OrderType, PaymentMethod, Priority
from .services import DETAIL_FIELDS, LineInput, NewCustomer, OrderDetails

# Everything of an order's details the form edits (the customer has its own field).
_DETAIL_FORM_FIELDS = [name for name in DETAIL_FIELDS if name not in ("customer", "owner")]


class OrderForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("客户"), queryset=Customer.objects.order_by("name"), required=False,
        widget=picker_widget("customers:picker", label=_("客户"), placeholder=_("名称 / 拼音或首字母 / 编码 / 电话")),
    )
    is_new_customer = forms.BooleanField(label=_("新客户"), required=False)
    new_customer_name = forms.CharField(label=_("新客户全称（与营业执照一致）"), max_length=200, required=False)
    new_customer_level = forms.ChoiceField(
        label=_("客户等级"), choices=CustomerLevel.choices, initial=CustomerLevel.NORMAL, required=False
    )

    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, help_text=_("手机号或带区号的座机"))
    contact_email = forms.EmailField(label=_("电子邮箱"), required=False)
    ship_province = forms.CharField(label=_("省"), max_length=20)
    ship_city = forms.CharField(label=_("市"), max_length=30)
    ship_district = forms.CharField(label=_("区/县"), max_length=30, required=False)
    ship_address = forms.CharField(label=_("详细地址"), max_length=200)

    channel = forms.ChoiceField(label=_("下单渠道"), choices=Channel.choices, initial=Channel.PHONE)
    order_type = forms.ChoiceField(
        label=_("订单类型"), choices=OrderType.choices, initial=OrderType.STOCK,
        help_text=_("含定制商品的订单自动设为定制"),
    )
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices, initial=Priority.NORMAL)
    requested_delivery_date = forms.DateField(
        label=_("期望交付日期"), required=False, widget=DateInput()
    )
    packaging_note = forms.CharField(label=_("包装要求"), max_length=200, required=False)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    invoice_type = forms.ChoiceField(label=_("发票类型"), choices=InvoiceType.choices, initial=InvoiceType.NONE)
    invoice_title = forms.CharField(label=_("发票抬头"), max_length=200, required=False)
    payment_method = forms.ChoiceField(label=_("付款方式"), choices=PaymentMethod.choices)
    external_ref = forms.CharField(label=_("外部单号"), max_length=50, required=False)
    freight_waived = forms.BooleanField(label=_("免收运费"), required=False)
    freight_waiver_reason = forms.CharField(label=_("免运费原因"), max_length=200, required=False)

    def __init__(self, *args, user, order: Order | None = None, **kwargs):
        self.order = order
        if order is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(order, name) for name in _DETAIL_FORM_FIELDS}
            kwargs["initial"]["customer"] = order.customer_id
        super().__init__(*args, **kwargs)
        # Another salesperson's customer is "不存在" here, as on its page.
        self.fields["customer"].queryset = customers_visible_to(user, self.fields["customer"].queryset)
        if order is not None:
            # An existing order keeps its customer; the new-customer flow is only for entry.
            del self.fields["is_new_customer"], self.fields["new_customer_name"], self.fields["new_customer_level"]

    def clean_contact_phone(self) -> str:
        return normalize_phone(self.cleaned_data["contact_phone"])

    def clean_requested_delivery_date(self):
        value = self.cleaned_data.get("requested_delivery_date")
        if value and value < timezone.localdate() and (self.order is None or value != self.order.requested_delivery_date):
            raise forms.ValidationError(gettext("期望交付日期不能早于今天"))
        return value

    def clean(self):
        data = super().clean()
        if self.order is None and data.get("is_new_customer"):
            name = (data.get("new_customer_name") or "").strip()
            if not name:
                self.add_error("new_customer_name", gettext("请填写新客户的全称（与营业执照一致）"))
            elif Customer.objects.filter(name=name).exists():
                self.add_error(
                    "new_customer_name", gettext("客户“%(name)s”已存在，请在上方直接选择") % {"name": name}
                )
        elif not data.get("customer"):
            self.add_error("customer", gettext("请选择客户，或勾选“新客户”并填写资料"))
        if data.get("invoice_type") and data["invoice_type"] != InvoiceType.NONE and not data.get("invoice_title"):
            self.add_error("invoice_title", gettext("开具发票时必须填写发票抬头"))
        if data.get("freight_waived") and not (data.get("freight_waiver_reason") or "").strip():
            self.add_error("freight_waiver_reason", gettext("免收运费必须填写原因"))
        return data

    def to_details(self) -> OrderDetails:
        data = self.cleaned_data
        values = {name: data.get(name) for name in _DETAIL_FORM_FIELDS}
        for name, value in values.items():
            if value is None and name != "requested_delivery_date":
                values[name] = ""
        values["freight_waived"] = bool(data.get("freight_waived"))
        return OrderDetails(customer=data.get("customer"), **values)

    def new_customer(self) -> NewCustomer | None:
        if self.order is None and self.cleaned_data.get("is_new_customer"):
            return NewCustomer(
                name=self.cleaned_data["new_customer_name"].strip(),
                level=self.cleaned_data.get("new_customer_level") or CustomerLevel.NORMAL,
            )
        return None


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return str(obj)


def clean_sales_unit(form, data: dict) -> dict:
    """``data["sales_unit"]``: the product's unit typed in ``unit`` (by name or barcode), None
    for its base unit; a unit the product does not have is the field's error, naming those it has."""
    product = data.get("product")
    data["sales_unit"] = None
    if product is not None and (data.get("unit") or "").strip():
        try:
            data["sales_unit"] = resolve_unit(product, data["unit"])
        except InvalidInput as refused:
            form.add_error("unit", str(refused))
    return data


class LineForm(forms.Form):
    product = ProductChoiceField(
        label=_("商品"), queryset=Product.objects.filter(is_active=True).order_by("sku"),
        widget=picker_widget("inventory:product_picker", label=_("商品"),
                             placeholder=_("编码 / 名称 / 规格 / 拼音首字母")),
    )
    quantity = QuantityField(label=_("数量"), min_value=1, error_messages={"min_value": _("数量必须是正整数")})
    unit = forms.CharField(label=_("单位"), max_length=40, required=False,
                           help_text=_("留空为商品的基本单位；可填其他单位（如 箱）或该单位的条码"),
                           widget=forms.TextInput(attrs={"size": 4, "placeholder": _("单位")}))
    unit_price = MoneyField(
        label=_("单价(元,不含税)"),
        max_digits=12,
        required=False,
        error_messages={"max_decimal_places": _("单价最多两位小数")},
        help_text=_("留空按价格规则自动定价"),
    )
    override_reason = forms.CharField(label=_("改价原因"), max_length=200, required=False)

    def clean(self):
        return clean_sales_unit(self, super().clean())


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        if not kept:
            raise forms.ValidationError(gettext("订单至少需要一行商品"))

    def to_lines(self) -> list[LineInput]:
        return [
            LineInput(
                product=form.cleaned_data["product"],
                quantity=form.cleaned_data["quantity"],
                unit_price=form.cleaned_data.get("unit_price"),
                override_reason=form.cleaned_data.get("override_reason") or "",
                unit=form.cleaned_data.get("sales_unit"),
            )
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=0, min_num=1, validate_min=True, can_delete=True
)


def line_initial(order: Order) -> list[dict]:
    """Rule-priced lines are shown without a price (re-priced by the rules on save);
    manual prices keep their price and reason."""
    return [
        {
            "product": line.product_id,
            "quantity": line.ordered_quantity,
            "unit": line.sales_unit,
            "unit_price": line.unit_price if line.price_source == "manual" else None,
            "override_reason": line.override_reason,
        }
        for line in order.lines.all()
    ]


class ActionForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PricePreviewForm(forms.Form):
    """What the entry form asks ``/orders/price/`` while a clerk types a line."""

    product = forms.ModelChoiceField(
        label=_("商品"), queryset=Product.objects.filter(is_active=True),
        error_messages={"required": _("请选择商品"), "invalid_choice": _("商品不存在")},
    )
    # Empty for a customer being created with the order: priced as the chosen level.
    customer = forms.ModelChoiceField(
        label=_("客户"), queryset=Customer.objects.all(), required=False,
        error_messages={"invalid_choice": _("客户不存在")},
    )
    level = forms.ChoiceField(label=_("客户等级"), choices=CustomerLevel.choices, required=False)
    quantity = QuantityField(label=_("数量"), min_value=1, required=False)
    unit = forms.CharField(label=_("单位"), max_length=40, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_visible_to(user, self.fields["customer"].queryset)

    def clean(self):
        return clean_sales_unit(self, super().clean())


class PaymentForm(forms.Form):
    amount = MoneyField(label=_("收款金额"), min_value=CENT,
                        error_messages={"invalid": _("收款金额必须是数字，例如 1280.00")})
    method = forms.ChoiceField(label=_("付款方式"), choices=PaymentMethod.choices, required=False)
    reference = forms.CharField(label=_("流水号/凭证号"), max_length=100, required=False)
