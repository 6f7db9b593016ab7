"""Every write to an order goes through a function here.

Each function runs in one transaction, locks the order row, fires the django-fsm
transition (which only guards and changes the status), saves, writes the timeline
event, and queues side effects with ``transaction.on_commit``. ``user=None`` means the
system itself (shown as “系统” on the timeline) and skips the role check.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from django.core.exceptions import ValidationError

from customers.models import Customer, CustomerLevel
from customers.phones import normalize_phone
from customers.services import AddressInput, ContactInput, customer_create
from inventory.models import Product
from inventory.services import stock_allocate_order, stock_consume_order, stock_release_order
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.money import to_money

from .events import actor_display_name, record_event
from .models import (
    Channel,
    InvoiceType,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    OrderType,
    PaymentMethod,
    Priority,
)
from .numbering import next_order_number, reserve_order_numbers
from .workflow import ACTIONS


@dataclass
class LineInput:
    product: Product
    quantity: int
    unit_price: Decimal


@dataclass
class OrderDetails:
    """Header of an order as entered by a clerk (everything but the lines)."""

    customer: Customer | None
    contact_name: str
    contact_phone: str
    ship_province: str
    ship_city: str
    ship_address: str
    ship_district: str = ""
    contact_email: str = ""
    channel: str = Channel.PHONE
    order_type: str = OrderType.STOCK
    priority: str = Priority.NORMAL
    owner: object = None
    requested_delivery_date: date | None = None
    packaging_note: str = ""
    notes: str = ""
    invoice_type: str = InvoiceType.NONE
    invoice_title: str = ""
    payment_method: str = PaymentMethod.BANK_TRANSFER
    external_ref: str = ""
    extra: dict = field(default_factory=dict)
    # How the order came in beyond its channel (e.g. "导入批次 #12 orders.xlsx"); shown on
    # the order's creation event so its timeline names the source.
    entry_note: str = ""


_DETAIL_FIELDS = [
    "customer",
    "contact_name",
    "contact_phone",
    "contact_email",
    "ship_province",
    "ship_city",
    "ship_district",
    "ship_address",
    "channel",
    "order_type",
    "priority",
    "owner",
    "requested_delivery_date",
    "packaging_note",
    "notes",
    "invoice_type",
    "invoice_title",
    "payment_method",
    "external_ref",
]


def _check_permission(user, perm: str, what: str) -> None:
    if user is not None and not user.has_perm(perm):
        raise ActionForbidden(f"您的角色没有权限{what}")


def _clean_details(details: OrderDetails) -> OrderDetails:
    problems = []
    for name, label in [
        ("contact_name", "联系人"),
        ("contact_phone", "联系电话"),
        ("ship_province", "省"),
        ("ship_city", "市"),
        ("ship_address", "详细地址"),
    ]:
        value = (getattr(details, name) or "").strip()
        setattr(details, name, value)
        if not value:
            problems.append(f"{label}不能为空")
    if details.contact_phone:
        try:
            details.contact_phone = normalize_phone(details.contact_phone)
        except ValidationError as error:
            problems.extend(error.messages)
    if details.invoice_type != InvoiceType.NONE and not details.invoice_title.strip():
        problems.append("开具发票时必须填写发票抬头")
    if problems:
        raise InvalidInput("；".join(problems))
    return details


def _clean_lines(lines: Sequence[LineInput]) -> list[LineInput]:
    if not lines:
        raise InvalidInput("订单至少需要一行商品")
    problems = []
    for index, line in enumerate(lines, start=1):
        if not isinstance(line.quantity, int) or line.quantity < 1:
            problems.append(f"第{index}行：数量必须是正整数")
        price = Decimal(line.unit_price)
        if price < 0 or price != price.quantize(Decimal("0.01")):
            problems.append(f"第{index}行：单价必须是不小于0、最多两位小数的金额")
        if not line.product.is_active:
            problems.append(f"第{index}行：商品 {line.product.sku} 已停售")
    if problems:
        raise InvalidInput("；".join(problems))
    return list(lines)


def line_amounts(quantity: int, unit_price: Decimal, vat_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Amount before tax and tax of one line, each rounded to the cent (tax per line)."""
    amount = to_money(Decimal(quantity) * Decimal(unit_price))
    return amount, to_money(amount * vat_rate)


def _build_lines(order: Order, lines: Sequence[LineInput]) -> list[OrderLine]:
    """The order's lines with every amount computed on the server, and the order's totals.

    Tax is rounded per line; the order totals are the sums of the rounded line figures,
    so the lines always add up to the total to the cent.
    """
    rows = []
    for line_no, line in enumerate(lines, start=1):
        product = line.product
        amount, tax_amount = line_amounts(line.quantity, line.unit_price, product.vat_rate)
        rows.append(
            OrderLine(
                order=order,
                line_no=line_no,
                product=product,
                product_sku=product.sku,
                product_name=product.name,
                product_spec=product.spec,
                unit=product.unit,
                quantity=line.quantity,
                unit_price=to_money(line.unit_price),
                vat_rate=product.vat_rate,
                amount=amount,
                tax_amount=tax_amount,
            )
        )
    order.subtotal = sum((row.amount for row in rows), Decimal("0.00"))
    order.tax_amount = sum((row.tax_amount for row in rows), Decimal("0.00"))
    order.total = order.subtotal + order.tax_amount
    return rows


def _write_lines(order: Order, lines: Sequence[LineInput]) -> None:
    OrderLine.objects.bulk_create(_build_lines(order, lines))


def _apply_details(order: Order, details: OrderDetails, lines: Sequence[LineInput]) -> None:
    for name in _DETAIL_FIELDS:
        setattr(order, name, getattr(details, name))
    if any(line.product.is_custom for line in lines):
        order.order_type = OrderType.CUSTOM
    if order.invoice_type == InvoiceType.NONE:
        order.invoice_title = ""


def _new_order(*, user, details: OrderDetails, lines: Sequence[LineInput], number: str, placed_at: datetime) -> Order:
    """An unsaved order, checked and filled in exactly as ``order_create`` stores it."""
    order = Order(number=number, created_by=user, created_at=placed_at, status_changed_at=placed_at)
    _apply_details(order, details, lines)
    if order.owner is None:
        order.owner_id = details.customer.owner_id or (user.pk if user is not None else None)
    return order


def _creation_event(order: Order, *, details: OrderDetails, line_count: int) -> dict:
    reason = f"通过“{order.get_channel_display()}”录入，提交审核"
    if details.entry_note:
        reason += f"（{details.entry_note}）"
    return dict(
        kind=OrderEvent.Kind.CREATED,
        action="create",
        to_status=order.status,
        reason=reason,
        data={"total": str(order.total), "lines": line_count},
    )


@transaction.atomic
def order_create(
    *, user, details: OrderDetails, lines: Sequence[LineInput], placed_at: datetime | None = None
) -> Order:
    """Enter a new order; it is submitted for review at once (status 待审核).

    ``placed_at`` backdates an order (demo data, migrations from a previous system); it
    also decides the date part of the order number.
    """
    _check_permission(user, "orders.add_order", "新建订单")
    details = _clean_details(details)
    lines = _clean_lines(lines)
    placed_at = placed_at or timezone.now()
    order = _new_order(
        user=user, details=details, lines=lines,
        number=next_order_number(timezone.localdate(placed_at)), placed_at=placed_at,
    )
    order.save()
    _write_lines(order, lines)
    order.save(update_fields=["subtotal", "tax_amount", "total"])
    record_event(
        order=order,
        user=user,
        at=placed_at,
        **_creation_event(order, details=details, line_count=len(lines)),
    )
    return order


@dataclass
class NewOrder:
    """One order of a batch for ``order_create_many``."""

    details: OrderDetails
    lines: Sequence[LineInput]


@transaction.atomic
def order_create_many(*, user, orders: Sequence[NewOrder], placed_at: datetime | None = None) -> list[Order]:
    """Enter many orders at once (Excel batch import), all or none.

    Same checks, numbers, lines, totals, owner and creation event per order as
    ``order_create`` (it shares its helpers), but written with a handful of bulk
    statements instead of seven statements per order, so thousands of orders take
    seconds. Whatever is added to ``order_create`` must be added here too.
    """
    _check_permission(user, "orders.add_order", "新建订单")
    placed_at = placed_at or timezone.now()
    problems = []
    cleaned: list[tuple[OrderDetails, list[LineInput]]] = []
    for index, entry in enumerate(orders, start=1):
        try:
            cleaned.append((_clean_details(entry.details), _clean_lines(entry.lines)))
        except InvalidInput as error:
            label = entry.details.external_ref or f"第{index}个订单"
            problems.append(f"{label}：{error}")
    if problems:
        raise InvalidInput("；".join(problems[:20]) + ("……" if len(problems) > 20 else ""))
    numbers = reserve_order_numbers(timezone.localdate(placed_at), len(cleaned))
    created: list[Order] = []
    all_lines: list[list[OrderLine]] = []
    for (details, lines), number in zip(cleaned, numbers):
        order = _new_order(user=user, details=details, lines=lines, number=number, placed_at=placed_at)
        all_lines.append(_build_lines(order, lines))
        created.append(order)
    Order.objects.bulk_create(created)
    line_rows = []
    for order, rows in zip(created, all_lines):
        for row in rows:
            row.order = order  # assigns the primary key bulk_create has just returned
            line_rows.append(row)
    OrderLine.objects.bulk_create(line_rows)
    actor_name = actor_display_name(user)
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order,
            actor=user,
            actor_name=actor_name,
            created_at=placed_at,
            **_creation_event(order, details=details, line_count=len(lines)),
        )
        for order, (details, lines) in zip(created, cleaned)
    )
    return created


@dataclass
class NewCustomer:
    """A customer entered together with their first order."""

    name: str
    level: str = CustomerLevel.NORMAL


@transaction.atomic
def order_place(
    *, user, details: OrderDetails, lines: Sequence[LineInput], new_customer: NewCustomer | None = None
) -> Order:
    """Enter an order, creating its customer first when it is a new one.

    The new customer's primary contact and default address are the ones typed on the order.
    """
    if new_customer is not None:
        details.customer = customer_create(
            user=user,
            name=new_customer.name,
            level=new_customer.level,
            contact=ContactInput(
                name=details.contact_name, phone=details.contact_phone, email=details.contact_email
            ),
            address=AddressInput(
                province=details.ship_province,
                city=details.ship_city,
                district=details.ship_district,
                detail=details.ship_address,
            ),
        )
    if details.customer is None:
        raise InvalidInput("请选择客户，或填写新客户的资料")
    return order_create(user=user, details=details, lines=lines)


def _describe_changes(before: dict, after: dict) -> list[str]:
    labels = {name: Order._meta.get_field(name).verbose_name for name in _DETAIL_FIELDS}
    return [str(labels[name]) for name in _DETAIL_FIELDS if before.get(name) != after.get(name)]


@transaction.atomic
def order_update(*, user, order: Order, details: OrderDetails, lines: Sequence[LineInput]) -> Order:
    """Edit an order that is still waiting for review or was rejected."""
    _check_permission(user, "orders.change_order", "修改订单")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not locked.is_editable:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有待审核或已驳回的订单可以修改"
        )
    details = _clean_details(details)
    lines = _clean_lines(lines)
    before = {name: getattr(locked, name) for name in _DETAIL_FIELDS}
    old_lines = [(l.product_id, l.quantity, l.unit_price) for l in locked.lines.all()]
    old_total = locked.total
    _apply_details(locked, details, lines)
    locked.lines.all().delete()
    _write_lines(locked, lines)
    locked.save()
    changed = _describe_changes(before, {name: getattr(locked, name) for name in _DETAIL_FIELDS})
    new_lines = [(l.product_id, l.quantity, l.unit_price) for l in locked.lines.all()]
    if new_lines != old_lines:
        changed.append("商品明细")
    record_event(
        order=locked,
        user=user,
        kind=OrderEvent.Kind.EDITED,
        action="edit",
        reason="修改了：" + ("、".join(changed) if changed else "无实质变化"),
        data={"old_total": str(old_total), "new_total": str(locked.total)},
    )
    return locked


def _fire(*, order: Order, user, action: str, reason: str = "", data: dict | None = None, **kwargs) -> Order:
    """Lock the order, fire one transition, save, and write its timeline event."""
    spec = ACTIONS[action]
    locked = Order.objects.select_for_update().get(pk=order.pk)
    method = getattr(locked, action)
    if not can_proceed(method, check_conditions=False):
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，不能执行“{spec.label}”"
        )
    if not can_proceed(method):
        raise InvalidTransition(f"订单 {locked.number} 不满足“{spec.label}”的条件：{spec.condition_hint}")
    if user is not None and not has_transition_perm(method, user):
        raise ActionForbidden(f"您的角色没有权限执行“{spec.label}”")
    if spec.needs_reason and not (reason or "").strip():
        raise InvalidInput(f"“{spec.label}”必须填写原因", code="reason_required")
    from_status = locked.status
    try:
        if spec.needs_reason:
            method(reason=reason, **kwargs)
        else:
            method(**kwargs)
    except TransitionNotAllowed as error:
        raise InvalidTransition(f"订单 {locked.number} 不能执行“{spec.label}”") from error
    locked.status_changed_at = timezone.now()
    locked.save()
    record_event(
        order=locked,
        user=user,
        action=action,
        from_status=from_status,
        to_status=locked.status,
        reason=reason,
        data=data,
    )
    order.refresh_from_db()
    return locked


@transaction.atomic
def order_approve(*, order: Order, user, reason: str = "") -> Order:
    return _fire(order=order, user=user, action="approve", reason=reason)


@transaction.atomic
def order_reject(*, order: Order, user, reason: str) -> Order:
    return _fire(order=order, user=user, action="reject", reason=reason)


@transaction.atomic
def order_resubmit(*, order: Order, user, reason: str = "") -> Order:
    return _fire(order=order, user=user, action="resubmit", reason=reason)


@transaction.atomic
def order_allocate(*, order: Order, user, reason: str = "") -> Order:
    """Lock stock FIFO for every line, then mark the order 已分配."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.APPROVED:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已审核的订单可以分配库存"
        )
    _check_permission(user, "orders.allocate_order", "分配库存")
    allocations = stock_allocate_order(order=locked)
    summary = [
        {"line": a.order_line.line_no, "batch": a.batch.batch_no, "quantity": a.quantity} for a in allocations
    ]
    return _fire(order=locked, user=user, action="allocate", reason=reason, data={"allocations": summary})


@transaction.atomic
def order_start_production(*, order: Order, user, reason: str = "") -> Order:
    return _fire(order=order, user=user, action="start_production", reason=reason)


@transaction.atomic
def order_finish_production(*, order: Order, user, reason: str = "") -> Order:
    """Production is done: the goods must be in stock; they are allocated to this order."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.IN_PRODUCTION:
        raise InvalidTransition(f"订单 {locked.number} 不在生产中")
    _check_permission(user, "orders.produce_order", "完成生产")
    stock_allocate_order(order=locked)
    return _fire(order=locked, user=user, action="finish_production", reason=reason)


@transaction.atomic
def order_ship(*, order: Order, user, reason: str = "") -> Order:
    """出库: the allocated goods leave the warehouse."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.ALLOCATED:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已分配的订单可以出库"
        )
    _check_permission(user, "orders.ship_order", "出库")
    quantity = stock_consume_order(order=locked, user=user)
    return _fire(order=locked, user=user, action="ship", reason=reason, data={"quantity": quantity})


@transaction.atomic
def order_start_transit(*, order: Order, user, reason: str = "") -> Order:
    return _fire(order=order, user=user, action="start_transit", reason=reason)


@transaction.atomic
def order_deliver(*, order: Order, user, reason: str = "") -> Order:
    return _fire(order=order, user=user, action="deliver", reason=reason)


@transaction.atomic
def order_complete(*, order: Order, user, reason: str = "") -> Order:
    return _fire(order=order, user=user, action="complete", reason=reason)


@transaction.atomic
def order_cancel(*, order: Order, user, reason: str) -> Order:
    """Cancel before the goods leave the warehouse; any locked stock is released.

    The release and the transition share one transaction: if the transition is refused
    the release is rolled back with it.
    """
    released = stock_release_order(order=order)
    return _fire(order=order, user=user, action="cancel", reason=reason, data={"released_quantity": released})


@transaction.atomic
def order_open_after_sales(*, order: Order, user, reason: str) -> Order:
    return _fire(order=order, user=user, action="open_after_sales", reason=reason)


@transaction.atomic
def order_close_after_sales(*, order: Order, user, reason: str = "") -> Order:
    return _fire(order=order, user=user, action="close_after_sales", reason=reason)


SERVICES = {
    "approve": order_approve,
    "reject": order_reject,
    "resubmit": order_resubmit,
    "allocate": order_allocate,
    "start_production": order_start_production,
    "finish_production": order_finish_production,
    "ship": order_ship,
    "start_transit": order_start_transit,
    "deliver": order_deliver,
    "complete": order_complete,
    "cancel": order_cancel,
    "open_after_sales": order_open_after_sales,
    "close_after_sales": order_close_after_sales,
}
