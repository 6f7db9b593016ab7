"""Shapes of the API's requests and answers. Requests are checked for shape only (types,
lengths, choices); every business rule is the services' — their refusals come back as 422
with the portal's message."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.models import CustomerLevel
from orders.models import InvoiceType, PaymentMethod, Priority
from orders.states import OrderStatus

from ..services import ChannelCustomer, ChannelDelivery, ChannelLine, ChannelOrder
from ..webhooks.event_types import EVENT_TYPES

# --- the error body ------------------------------------------------------------------------------


class ExistingOrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable error code, e.g. invalid_input, duplicate_order, rate_limited.")
    message = serializers.CharField(help_text="What went wrong, in Chinese (the portal's own message for a business rule).")
    detail = serializers.CharField(help_text="The same in English.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field or order line, e.g. {\"lines[0].sku\": [\"…\"]}.",
    )
    order = ExistingOrderSerializer(required=False, help_text="duplicate_order: the order created before.")


# --- an order pushed by a channel -----------------------------------------------------------------


class LineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40, help_text="The product's code (商品编码).")
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True,
        help_text="Unit price before tax. Leave out to price by the platform's rules; a price that differs "
                  "from the rule price is a manual price and needs price_reason (and goes through the price check).",
    )
    price_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                 help_text="Another unit of the product (e.g. 箱 = 12 瓶) or its barcode; quantity and "
                                           "unit_price are then per that unit. Leave out for the product's base unit.")


class DeliverySerializer(serializers.Serializer):
    contact_name = serializers.CharField(max_length=50)
    contact_phone = serializers.CharField(max_length=20, help_text="Mainland mobile or landline.")
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    province = serializers.CharField(max_length=20)
    city = serializers.CharField(max_length=30)
    district = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, help_text="Street and number.")

    def to_delivery(self, data: dict) -> ChannelDelivery:
        return ChannelDelivery(**{name: data[name] for name in DeliverySerializer._declared_fields})


class NewCustomerSerializer(DeliverySerializer):
    name = serializers.CharField(max_length=200, help_text="Full legal name as on the business licence.")
    level = serializers.ChoiceField(choices=CustomerLevel.choices, default=CustomerLevel.NORMAL)
    tax_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class InvoiceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=InvoiceType.choices, default=InvoiceType.NONE)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                  help_text="Defaults to the customer's name when an invoice is asked for.")


class OrderInSerializer(serializers.Serializer):
    customer_code = serializers.CharField(max_length=20, required=False,
                                          help_text="A customer the platform knows (客户编码), e.g. C00001.")
    customer = NewCustomerSerializer(required=False,
                                     help_text="Instead of customer_code: the customer's full details (found by "
                                               "name, else created with this contact and address).")
    external_ref = serializers.CharField(max_length=50, help_text="The channel's own order number; unique per channel.")
    lines = LineInSerializer(many=True, min_length=1, max_length=200)
    delivery = DeliverySerializer(required=False,
                                  help_text="Defaults to the customer's primary contact and default address.")
    invoice = InvoiceSerializer(required=False)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, default=PaymentMethod.ONLINE)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    requested_delivery_date = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    packaging_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, data):
        if bool(data.get("customer_code")) == bool(data.get("customer")):
            raise serializers.ValidationError({"customer_code": ["请填写 customer_code 或 customer 之一（不能同时填写）"]})
        return data

    @staticmethod
    def to_channel_order(data: dict) -> ChannelOrder:
        customer = None
        if data.get("customer"):
            details = data["customer"]
            customer = ChannelCustomer(name=details["name"], level=details["level"], tax_number=details["tax_number"],
                                       contact=DeliverySerializer().to_delivery(details))
        invoice = data.get("invoice") or {"type": InvoiceType.NONE, "title": ""}
        return ChannelOrder(
            external_ref=data["external_ref"],
            lines=[ChannelLine(sku=line["sku"], quantity=line["quantity"], unit_price=line.get("unit_price"),
                               price_reason=line.get("price_reason", ""), unit=line.get("unit", ""))
                   for line in data["lines"]],
            customer_code=data.get("customer_code", ""),
            customer=customer,
            delivery=DeliverySerializer().to_delivery(data["delivery"]) if data.get("delivery") else None,
            invoice_type=invoice["type"], invoice_title=invoice["title"],
            payment_method=data["payment_method"], priority=data["priority"],
            requested_delivery_date=data.get("requested_delivery_date"),
            notes=data["notes"], packaging_note=data["packaging_note"],
        )


@extend_schema_field(OrderInSerializer(many=True))
class OrderListField(serializers.ListField):
    """Each order is checked on its own (a malformed one is rejected, the others go on)."""

    child = serializers.DictField()


class BatchInSerializer(serializers.Serializer):
    atomic = serializers.BooleanField(default=False, help_text="true: all or nothing. false: each order on its own.")
    orders = OrderListField(min_length=1, max_length=500)


# --- answers about orders ------------------------------------------------------------------------


class OrderCreatedSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="The platform's order number.")
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    external_ref = serializers.CharField()
    channel_code = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    created_at = serializers.DateTimeField()


class OrderSummarySerializer(OrderCreatedSerializer):
    customer_code = serializers.CharField(source="customer.code")
    updated_at = serializers.DateTimeField()


class CustomerRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class DeliveryOutSerializer(serializers.Serializer):
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()
    province = serializers.CharField(source="ship_province")
    city = serializers.CharField(source="ship_city")
    district = serializers.CharField(source="ship_district")
    address = serializers.CharField(source="ship_address")


class InvoiceOutSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=InvoiceType.choices, source="invoice_type")
    title = serializers.CharField(source="invoice_title")


class LineOutSerializer(serializers.Serializer):
    line_no = serializers.IntegerField()
    sku = serializers.CharField(source="product_sku")
    name = serializers.CharField(source="product_name")
    spec = serializers.CharField(source="product_spec")
    unit = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    price_source = serializers.CharField()
    price_explanation = serializers.CharField()


class TotalsSerializer(serializers.Serializer):
    goods_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    freight_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    subtotal = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunded_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance_due = serializers.DecimalField(max_digits=16, decimal_places=2)


class CarrierSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ShipmentSerializer(serializers.Serializer):
    carrier = CarrierSerializer()
    tracking_number = serializers.CharField()
    tracking_url = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    shipped_at = serializers.DateTimeField()
    expected_delivery_date = serializers.DateField()
    delivered_at = serializers.DateTimeField(allow_null=True)


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    action = serializers.CharField()
    action_label = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor_name")
    reason = serializers.CharField()


class OrderDetailSerializer(OrderSummarySerializer):
    customer = CustomerRefSerializer()
    priority = serializers.ChoiceField(choices=Priority.choices)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    requested_delivery_date = serializers.DateField(allow_null=True)
    notes = serializers.CharField()
    packaging_note = serializers.CharField()
    delivery = DeliveryOutSerializer(source="*")
    invoice = InvoiceOutSerializer(source="*")
    totals = TotalsSerializer(source="*")
    lines = LineOutSerializer(many=True, source="lines.all")
    shipments = ShipmentSerializer(many=True, source="shipments.all")
    timeline = TimelineEntrySerializer(many=True, source="events.all")


class OrderPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page (null: you have everything until now).")
    previous = serializers.URLField(allow_null=True)
    results = OrderSummarySerializer(many=True)


class OrderQuerySerializer(serializers.Serializer):
    updated_since = serializers.DateTimeField(required=False, help_text="Only orders changed at or after this time.")
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    channel = serializers.CharField(max_length=40, required=False,
                                    help_text="A channel code (clients that may read every channel).")


# --- channel operations -------------------------------------------------------------------------


class CancelInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=150)


class ReturnCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    refund_computation = serializers.CharField()


class CancelOutSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_label = serializers.CharField()
    return_case = ReturnCaseSerializer(allow_null=True,
                                       help_text="Cancelled after shipment: the return opened by the cancellation policy.")


class DeliveryChangeSerializer(DeliverySerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)
        for field in self.fields.values():
            field.required = False

    def validate(self, data):
        if not data:
            raise serializers.ValidationError({"non_field_errors": ["请至少提供一项要修改的收货信息"]})
        return data


class PaymentInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    paid_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PaymentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order_number = serializers.CharField(source="order.number")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField()
    paid_at = serializers.DateTimeField()
    balance_due = serializers.DecimalField(max_digits=16, decimal_places=2, source="order.balance_due")


class BatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the order in the request (from 0).")
    external_ref = serializers.CharField(allow_blank=True)
    result = serializers.ChoiceField(choices=["created", "duplicate", "rejected", "not_created"])
    number = serializers.CharField(required=False, help_text="created / duplicate: the platform's order number.")
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    error = ErrorSerializer(required=False, help_text="rejected / duplicate: why.")


class BatchOutSerializer(serializers.Serializer):
    atomic = serializers.BooleanField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = BatchResultSerializer(many=True)


class BatchRejectedSerializer(ErrorSerializer):
    results = BatchResultSerializer(many=True, required=False, help_text="atomic batch refused: each order's outcome.")


# --- webhook subscriptions -----------------------------------------------------------------------

EVENT_TYPE_CHOICES = list(EVENT_TYPES)


class SubscriptionInSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES), min_length=1,
                                        max_length=len(EVENT_TYPE_CHOICES))
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SubscriptionPatchSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES), min_length=1,
                                        max_length=len(EVENT_TYPE_CHOICES), required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class SubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES))
    description = serializers.CharField()
    is_active = serializers.BooleanField()
    disabled_reason = serializers.CharField(help_text="Set when the platform disabled it after failing deliveries.")
    created_at = serializers.DateTimeField()


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(help_text="The signing secret (whsec_…). Shown this once: keep it.")


# --- payment-platform notifications ---------------------------------------------------------------


class GenericPaymentNotificationSerializer(serializers.Serializer):
    """The generic provider format (documentation of the raw body that is signed)."""

    transaction_id = serializers.CharField(max_length=64, help_text="The platform's transaction id (idempotency).")
    order_number = serializers.CharField(max_length=40, help_text="The platform's order number on our side.")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Amount paid, e.g. \"199.00\".")
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. CNY.")
    paid_at = serializers.DateTimeField(help_text="ISO 8601 with offset.")
    timestamp = serializers.IntegerField(help_text="When the platform sent this (seconds since the epoch); within 5 minutes of ours.")


class PaymentNotifyResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["recorded", "duplicate", "flagged"],
                                     help_text="flagged: accepted and waiting for a 主管 (unknown order, overpayment…).")
    transaction_id = serializers.CharField()
    order_number = serializers.CharField()
