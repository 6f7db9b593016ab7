"""Orders pushed by a channel: resolved to the platform's records (customer by code or full
details, goods by SKU, delivery defaulting to the customer's) and handed to the services the
portal uses. Whatever a rule refuses comes back as the portal's own message."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from aftersales import services as after_sales_services
from customers.models import Customer, CustomerLevel
from customers.services import AddressInput, ContactInput, customer_create
from inventory.models import Product
from inventory.services.units import resolve_unit
from ordermgmt.scoped_cache import cache_scope
from ordermgmt.errors import BusinessError, InvalidBatch, InvalidInput, InvalidTransition
from orders import services as order_services
from orders.models import Channel, InvoiceType, Order, OrderStatus, PaymentMethod, Priority
from orders.services import DETAIL_FIELDS, LineInput, NewOrder, OrderDetails
from orders.states import EDITABLE_STATUSES

from ..errors import DuplicateOrder, UnknownReference
from ..models import ApiClient


@dataclass
class ChannelLine:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # None: priced by the rules
    price_reason: str = ""  # a manual price needs one (the price check of the review applies)
    unit: str = ""  # another unit of the product (箱) or its barcode; empty: the base unit


@dataclass
class ChannelDelivery:
    contact_name: str
    contact_phone: str
    province: str
    city: str
    address: str
    district: str = ""
    contact_email: str = ""


@dataclass
class ChannelCustomer:
    """A customer the platform may not know yet: found by its full legal name, else created."""

    name: str
    contact: ChannelDelivery
    level: str = CustomerLevel.NORMAL
    tax_number: str = ""


@dataclass
class ChannelOrder:
    external_ref: str
    lines: Sequence[ChannelLine]
    customer_code: str = ""
    customer: ChannelCustomer | None = None
    delivery: ChannelDelivery | None = None  # None: the customer's primary contact and default address
    invoice_type: str = InvoiceType.NONE
    invoice_title: str = ""  # defaults to the customer's name when an invoice is asked for
    payment_method: str = PaymentMethod.ONLINE
    priority: str = Priority.NORMAL
    requested_delivery_date: date | None = None
    notes: str = ""
    packaging_note: str = ""


# --- one order ----------------------------------------------------------------------------

def _existing_order(client: ApiClient, external_ref: str) -> Order | None:
    return Order.objects.filter(channel_code=client.channel_code, external_ref=external_ref).first()


def _refuse_duplicate(client: ApiClient, external_ref: str) -> None:
    existing = _existing_order(client, external_ref)
    if existing is not None:
        raise DuplicateOrder(existing)


def _products_by_sku(orders: Sequence[ChannelOrder]) -> dict[str, Product]:
    skus = {line.sku for order in orders for line in order.lines}
    return {product.sku: product for product in Product.objects.filter(sku__in=skus)}


def _customers_by_code(orders: Sequence[ChannelOrder]) -> dict[str, Customer]:
    codes = {order.customer_code for order in orders if order.customer_code}
    return {c.code: c for c in Customer.objects.filter(code__in=codes).prefetch_related("contacts", "addresses")}


def _line_inputs(order: ChannelOrder, products: dict[str, Product]) -> list[LineInput]:
    inputs = []
    for index, line in enumerate(order.lines):
        product = products.get(line.sku)
        if product is None:
            raise UnknownReference(f"第{index + 1}行：商品编码“{line.sku}”不存在", field=f"lines[{index}].sku",
                                   code="unknown_product")
        inputs.append(LineInput(product=product, quantity=line.quantity, unit_price=line.unit_price,
                                override_reason=line.price_reason, unit=resolve_unit(product, line.unit)))
    return inputs


def _known_customer(order: ChannelOrder, customers: dict[str, Customer]) -> Customer:
    customer = customers.get(order.customer_code)
    if customer is None:
        raise UnknownReference(f"客户编码“{order.customer_code}”不存在", field="customer_code", code="unknown_customer")
    return customer


def _customer_for_new(details: ChannelCustomer) -> Customer:
    """The customer of that exact legal name, else a new one with its contact and address —
    through ``customers.services.customer_create``, inside the order's transaction."""
    existing = Customer.objects.filter(name=details.name.strip()).prefetch_related("contacts", "addresses").first()
    if existing is not None:
        return existing
    contact = details.contact
    return customer_create(
        user=None, name=details.name, level=details.level, tax_number=details.tax_number,
        contact=ContactInput(name=contact.contact_name, phone=contact.contact_phone, email=contact.contact_email),
        address=AddressInput(province=contact.province, city=contact.city, district=contact.district,
                             detail=contact.address),
    )


def _delivery_of(order: ChannelOrder, customer: Customer) -> ChannelDelivery:
    if order.delivery is not None:
        return order.delivery
    contact, address = customer.primary_contact, customer.default_address
    if contact is None or address is None:
        raise InvalidInput(f"客户 {customer.code} 没有默认联系人或收货地址，请在 delivery 中填写收货信息")
    return ChannelDelivery(contact_name=contact.name, contact_phone=contact.phone, contact_email=contact.email,
                           province=address.province, city=address.city, district=address.district,
                           address=address.detail)


def _details(client: ApiClient, order: ChannelOrder, customer: Customer) -> OrderDetails:
    delivery = _delivery_of(order, customer)
    invoice_title = order.invoice_title
    if order.invoice_type != InvoiceType.NONE and not invoice_title.strip():
        invoice_title = customer.name
    return OrderDetails(
        customer=customer,
        contact_name=delivery.contact_name, contact_phone=delivery.contact_phone, contact_email=delivery.contact_email,
        ship_province=delivery.province, ship_city=delivery.city, ship_district=delivery.district,
        ship_address=delivery.address,
        channel=Channel.API, channel_code=client.channel_code, external_ref=order.external_ref,
        priority=order.priority, payment_method=order.payment_method, invoice_type=order.invoice_type,
        invoice_title=invoice_title, requested_delivery_date=order.requested_delivery_date,
        notes=order.notes, packaging_note=order.packaging_note,
        entry_note=f"接口客户端“{client.name}”",
    )


def _check_external_ref(order: ChannelOrder) -> None:
    if not (order.external_ref or "").strip():
        raise InvalidInput("请填写渠道订单号（external_ref）")


def channel_order_create(*, client: ApiClient, order: ChannelOrder) -> Order:
    """One order of the channel, entered like any other (待审核, automatic review queued), in
    one transaction (a savepoint inside the caller's).

    Refused as a duplicate when the channel sent the same ``external_ref`` before — also when
    two requests race with it: the unique constraint on (channel_code, external_ref) stops the
    second, which is then answered with the first one's order."""
    _check_external_ref(order)
    _refuse_duplicate(client, order.external_ref)
    products = _products_by_sku([order])
    try:
        with transaction.atomic():
            if order.customer_code:
                customer = _known_customer(order, _customers_by_code([order]))
            elif order.customer is not None:
                customer = _customer_for_new(order.customer)
            else:
                raise InvalidInput("请填写客户编码（customer_code）或新客户资料（customer）")
            return order_services.order_create(user=None, details=_details(client, order, customer),
                                               lines=_line_inputs(order, products))
    except IntegrityError:
        existing = _existing_order(client, order.external_ref)
        if existing is None:
            raise
        raise DuplicateOrder(existing) from None


# --- many orders --------------------------------------------------------------------------

CREATED, DUPLICATE, REJECTED, NOT_CREATED = "created", "duplicate", "rejected", "not_created"


@dataclass
class BatchEntry:
    """What became of one order of a batch (``index`` as given)."""

    index: int
    external_ref: str
    outcome: str = NOT_CREATED
    order: Order | None = None
    error: BusinessError | None = None


@dataclass
class _Prepared:
    entry: BatchEntry
    order: ChannelOrder
    new_order: NewOrder | None = None  # for the bulk path (a known customer)


class _RollBack(Exception):
    """Leaves an all-or-nothing batch's transaction without keeping anything."""


def channel_orders_create_batch(
    *, client: ApiClient, orders: Sequence[tuple[int, ChannelOrder]], atomic: bool,
) -> list[BatchEntry]:
    """Many orders of the channel in one call, each answered: created, duplicate (sent before,
    with its order) or rejected (with the portal's reason).

    Orders of known customers go through ``order_create_many`` (the Excel import's bulk path:
    same checks, prices and events as one by one); orders with a customer's full details one
    by one (the customer may need creating first). ``atomic``: all or nothing — any rejection
    and nothing is created (the others say ``not_created``), every refused order still named.
    Otherwise each order on its own.
    """
    entries = [BatchEntry(index=index, external_ref=order.external_ref) for index, order in orders]
    prepared = _prepare(client, entries, [order for _, order in orders])
    if not atomic:
        _create(client, prepared)
        return entries
    try:
        with transaction.atomic():
            _create(client, prepared)  # each on its own first, so that every refusal is named
            if any(entry.outcome == REJECTED for entry in entries):
                raise _RollBack
    except _RollBack:
        for entry in entries:
            if entry.outcome == CREATED:
                entry.outcome, entry.order = NOT_CREATED, None
    return entries


def _prepare(client: ApiClient, entries: list[BatchEntry], orders: list[ChannelOrder]) -> list[_Prepared]:
    """Everything that needs no writing: duplicates (within the batch, and of earlier pushes),
    unknown customers and SKUs. What is left is ready for the order services."""
    products, customers = _products_by_sku(orders), _customers_by_code(orders)
    existing = {o.external_ref: o for o in Order.objects.filter(
        channel_code=client.channel_code, external_ref__in={order.external_ref for order in orders})}
    first_seen: dict[str, int] = {}
    prepared = []
    for entry, order in zip(entries, orders):
        try:
            _check_external_ref(order)
            if order.external_ref in first_seen:
                raise InvalidInput(f"外部单号“{order.external_ref}”在本批次中重复（与第 {first_seen[order.external_ref] + 1} 个订单相同）",
                                   code="duplicate_in_batch")
            first_seen[order.external_ref] = entry.index
            if order.external_ref in existing:
                raise DuplicateOrder(existing[order.external_ref])
            new_order = None
            if order.customer_code:
                customer = _known_customer(order, customers)
                new_order = NewOrder(details=_details(client, order, customer), lines=_line_inputs(order, products))
            elif order.customer is None:
                raise InvalidInput("请填写客户编码（customer_code）或新客户资料（customer）")
            else:
                _line_inputs(order, products)  # unknown SKUs are refused before anything is written
        except DuplicateOrder as duplicate:
            entry.outcome, entry.order, entry.error = DUPLICATE, duplicate.order, duplicate
            continue
        except BusinessError as error:
            entry.outcome, entry.error = REJECTED, error
            continue
        prepared.append(_Prepared(entry=entry, order=order, new_order=new_order))
    return prepared


def _create(client: ApiClient, prepared: list[_Prepared]) -> None:
    with cache_scope():  # the webhook outbox of these orders reads its subscribers once
        for item in (p for p in prepared if p.new_order is None):
            _create_one(client, item)
        _create_in_bulk(client, [p for p in prepared if p.new_order is not None])


def _create_one(client: ApiClient, item: _Prepared) -> None:
    try:
        order = channel_order_create(client=client, order=item.order)
    except DuplicateOrder as duplicate:
        item.entry.outcome, item.entry.order, item.entry.error = DUPLICATE, duplicate.order, duplicate
    except BusinessError as error:
        item.entry.outcome, item.entry.error = REJECTED, error
    else:
        item.entry.outcome, item.entry.order = CREATED, order


# Each round either creates the rest or takes out at least one refused order; the service
# checks in two stages (entries, then prices), so two or three rounds are the rule.
_MAX_ROUNDS = 10


def _create_in_bulk(client: ApiClient, items: list[_Prepared]) -> None:
    pending = list(items)
    for _ in range(_MAX_ROUNDS):
        if not pending:
            return
        try:
            with transaction.atomic():
                created = order_services.order_create_many(user=None, orders=[item.new_order for item in pending])
        except InvalidBatch as refusal:
            refused = {index for index, _ in refusal.problems}
            for index, message in refusal.problems:
                pending[index].entry.outcome = REJECTED
                pending[index].entry.error = InvalidInput(message)
            pending = [item for index, item in enumerate(pending) if index not in refused]
            continue
        except IntegrityError:
            # Another request created one of these orders meanwhile: answer it as a duplicate.
            pending = _without_new_duplicates(client, pending)
            continue
        for item, order in zip(pending, created):
            item.entry.outcome, item.entry.order = CREATED, order
        return
    for item in pending:
        item.entry.outcome, item.entry.error = REJECTED, InvalidInput("订单未能创建，请单独重新提交")


def _without_new_duplicates(client: ApiClient, items: list[_Prepared]) -> list[_Prepared]:
    existing = {o.external_ref: o for o in Order.objects.filter(
        channel_code=client.channel_code, external_ref__in=[item.order.external_ref for item in items])}
    still = []
    for item in items:
        order = existing.get(item.order.external_ref)
        if order is None:
            still.append(item)
        else:
            item.entry.outcome, item.entry.order, item.entry.error = DUPLICATE, order, DuplicateOrder(order)
    return still


# --- changes to an order ---------------------------------------------------------------------

@transaction.atomic
def channel_order_cancel(*, client: ApiClient, order: Order, reason: str):
    """The portal's cancellation: before shipment the order is cancelled (stock released, what
    was paid refunded in full); after it, it becomes a return by the cancellation policy
    (``aftersales.services.order_cancel_after_shipping``). Returns the order and the return's
    case (or None)."""
    if not (reason or "").strip():
        raise InvalidInput("取消必须填写原因", code="reason_required")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    reason = f"{reason.strip()}（渠道 {client.channel_code} 通过接口取消）"
    if locked.status in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT):
        case = after_sales_services.order_cancel_after_shipping(order=locked, user=None, reason=reason)
        locked.refresh_from_db()
        return locked, case
    return order_services.order_cancel(order=locked, user=None, reason=reason), None


DELIVERY_FIELDS = {
    "contact_name": "contact_name", "contact_phone": "contact_phone", "contact_email": "contact_email",
    "province": "ship_province", "city": "ship_city", "district": "ship_district", "address": "ship_address",
}


@transaction.atomic
def channel_order_change_delivery(*, client: ApiClient, order: Order, changes: dict) -> Order:
    """New contact or address for an order not yet approved, through ``order_update`` (the
    order is re-priced — freight follows the address — and reviewed again)."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status not in EDITABLE_STATUSES:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，审核通过后的订单不能通过接口修改收货信息，请联系客服"
        )
    unknown = set(changes) - set(DELIVERY_FIELDS)
    if unknown:
        raise InvalidInput(f"不能通过接口修改：{', '.join(sorted(unknown))}")
    details = OrderDetails(customer=locked.customer,
                           **{name: getattr(locked, name) for name in DETAIL_FIELDS if name != "customer"})
    for name, value in changes.items():
        setattr(details, DELIVERY_FIELDS[name], value)
    details.owner = None  # keep the order's owner
    lines = LineInput.from_lines(locked.lines.select_related("product"))
    return order_services.order_update(user=None, order=locked, details=details, lines=lines)


@transaction.atomic
def channel_payment_record(*, client: ApiClient, order: Order, amount: Decimal, method: str = "", reference: str = "",
                           paid_at=None):
    """Money the channel (or the ERP) received for the order: ``orders.services.payment_record``."""
    return order_services.payment_record(order=order, user=None, amount=amount, method=method or None,
                                         reference=(reference or "")[:100], paid_at=paid_at)
