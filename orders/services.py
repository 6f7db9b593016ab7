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

from functools import partial

from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from django.core.exceptions import ValidationError

from customers.models import Customer, CustomerLevel
from customers.phones import normalize_phone
from customers.services import AddressInput, ContactInput, customer_create
from customers.validators import special_invoice_problems
from inventory.models import Product, PurchaseRequest
from inventory.selectors import shipped_quantities_by_line
from inventory.services import (
    Shortage,
    purchase_requests_raise,
    stock_allocate_order,
    stock_consume_allocations,
    stock_consume_order,
    stock_release_order,
)
from ordermgmt.errors import ActionForbidden, InsufficientStock, InvalidInput, InvalidTransition
from ordermgmt.money import to_money

from .events import actor_display_name, record_event
from . import review
from .models import (
    Channel,
    CheckResult,
    InvoiceType,
    Order,
    OrderEvent,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
    OrderType,
    Payment,
    PaymentMethod,
    Priority,
    Refund,
    ReviewCheck,
)
from .numbering import next_order_number, reserve_order_numbers
from .pricing import FREIGHT_VAT_RATE, PriceBook, PricedOrder, price_order
from .workflow import ACTIONS

# The latest time each stage was reached is kept on the order (for lead times and reports).
STAGE_TIMESTAMPS = {
    OrderStatus.APPROVED: "approved_at",
    OrderStatus.ALLOCATED: "allocated_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.COMPLETED: "completed_at",
    OrderStatus.CANCELLED: "cancelled_at",
}

LEVEL_POINTS = {CustomerLevel.VIP: 300, CustomerLevel.IMPORTANT: 150, CustomerLevel.NORMAL: 0}


def priority_score(order: Order) -> int:
    """Queue priority: 加急 outweighs everything, then customer level, then amount.

    加急 1,000 points; VIP 300, 重要 150; one point per ¥1,000 of the order, at most 200 —
    so a large order of an ordinary customer never overtakes an urgent one.
    """
    score = 1000 if order.priority == Priority.URGENT else 0
    score += LEVEL_POINTS.get(order.customer.level, 0)
    score += min(int(order.total // 1000), 200)
    return score


def _queue_auto_review(order: Order) -> None:
    from .tasks import run_auto_review

    transaction.on_commit(partial(run_auto_review.delay, order.pk))


@dataclass
class LineInput:
    """One line as entered. ``unit_price`` None means “price it by the rules”; a price that
    differs from the rule price is a manual override and needs ``override_reason``."""

    product: Product
    quantity: int
    unit_price: Decimal | None = None
    override_reason: str = ""


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
    freight_waived: bool = False
    freight_waiver_reason: str = ""
    # How the order came in beyond its channel (e.g. "导入记录 #12《orders.xlsx》第3–5行");
    # shown on the order's creation event so its timeline names the source.
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
    "freight_waived",
    "freight_waiver_reason",
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
    if details.invoice_type == InvoiceType.SPECIAL and details.customer is not None:
        missing = special_invoice_problems(details.customer)
        if missing:
            problems.append("开具专票需要客户的" + "、".join(missing) + "，请先在客户资料中补全")
    if details.freight_waived and not details.freight_waiver_reason.strip():
        problems.append("免收运费必须填写原因")
    if not details.freight_waived:
        details.freight_waiver_reason = ""
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
        if line.unit_price is not None:
            price = Decimal(line.unit_price)
            if price < 0 or price != price.quantize(Decimal("0.01")):
                problems.append(f"第{index}行：单价必须是不小于0、最多两位小数的金额")
        if not line.product.is_active:
            problems.append(f"第{index}行：商品 {line.product.sku} 已停售")
    if problems:
        raise InvalidInput("；".join(problems))
    return list(lines)


def _build_priced_rows(
    order: Order, lines: Sequence[LineInput], *, book: PriceBook | None = None
) -> tuple[PricedOrder, list[OrderLine], list[OrderAdjustment]]:
    """Price the order by the rules (orders/pricing.py): its lines, promotion lines and
    freight line as unsaved rows, and its totals set on ``order``.

    Tax is rounded per line; the order totals are the sums of the rounded line figures,
    so the lines always add up to the total to the cent.
    """
    priced = price_order(
        customer=order.customer,
        lines=lines,
        province=order.ship_province,
        city=order.ship_city,
        freight_waived=order.freight_waived,
        freight_waiver_reason=order.freight_waiver_reason,
        book=book,
    )
    line_rows = [
        OrderLine(
            order=order,
            line_no=line_no,
            product=line.product,
            product_sku=line.product.sku,
            product_name=line.product.name,
            product_spec=line.product.spec,
            unit=line.product.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            amount=line.amount,
            discount=line.discount,
            tax_amount=line.tax_amount,
            list_price=line.rule.list_price,
            rule_price=line.rule.unit_price,
            price_source=line.source,
            price_explanation=line.explanation[:300],
            override_reason=line.override_reason,
        )
        for line_no, line in enumerate(priced.lines, start=1)
    ]
    adjustment_rows = [
        OrderAdjustment(order=order, kind=OrderAdjustment.Kind.PROMOTION, label=applied.promotion.name,
                        amount=-applied.amount, promotion=applied.promotion, explanation=applied.explanation[:300])
        for applied in priced.promotions
    ]
    adjustment_rows.append(
        OrderAdjustment(order=order, kind=OrderAdjustment.Kind.FREIGHT, label="运费", amount=priced.freight.amount,
                        vat_rate=FREIGHT_VAT_RATE, tax_amount=priced.freight.tax_amount,
                        explanation=priced.freight.explanation[:300])
    )
    order.goods_amount = priced.goods_amount
    order.discount_amount = priced.discount_amount
    order.freight_amount = priced.freight.amount
    order.subtotal = priced.subtotal
    order.tax_amount = priced.tax_amount
    order.total = priced.total
    return priced, line_rows, adjustment_rows


def _write_lines(order: Order, lines: Sequence[LineInput], *, book: PriceBook | None = None) -> PricedOrder:
    """Price the order and store every figure with its explanation (replacing old lines)."""
    priced, line_rows, adjustment_rows = _build_priced_rows(order, lines, book=book)
    order.lines.all().delete()
    order.adjustments.all().delete()
    OrderLine.objects.bulk_create(line_rows)
    OrderAdjustment.objects.bulk_create(adjustment_rows)
    return priced


def _price_override_text(priced: PricedOrder) -> str:
    return "；".join(
        f"第{n}行 {line.product.sku}：{line.explanation}" for n, line in enumerate(priced.lines, start=1)
        if line.source == "manual"
    )


def _record_price_overrides(order: Order, priced: PricedOrder, user, at=None) -> None:
    overrides = _price_override_text(priced)
    if overrides:
        record_event(order=order, user=user, kind=OrderEvent.Kind.NOTE, action="price_override",
                     reason=overrides, at=at)


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


def _creation_event(order: Order, *, note: str, source: dict | None, line_count: int) -> dict:
    reason = f"通过“{order.get_channel_display()}”录入，提交审核" + (f"（{note}）" if note else "")
    return dict(
        kind=OrderEvent.Kind.CREATED,
        action="create",
        to_status=order.status,
        reason=reason,
        data={"total": str(order.total), "lines": line_count, **({"source": source} if source else {})},
    )


@transaction.atomic
def order_create(
    *,
    user,
    details: OrderDetails,
    lines: Sequence[LineInput],
    placed_at: datetime | None = None,
    note: str = "",
    source: dict | None = None,
    auto_review: bool = True,
    price_book: PriceBook | None = None,
) -> Order:
    """Enter a new order; it is submitted for review at once (status 待审核) and the
    automatic review is queued for when the transaction commits.

    ``placed_at`` backdates an order (demo data, migrations from a previous system); it
    also decides the date part of the order number. ``note`` and ``source`` describe where
    the order came from on its first timeline event (e.g. the import that created it).
    ``price_book`` lets a caller that enters many orders load the price rules once.
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
    priced = _write_lines(order, lines, book=price_book)
    order.priority_score = priority_score(order)
    order.save(update_fields=[
        "goods_amount", "discount_amount", "freight_amount", "subtotal", "tax_amount", "total", "priority_score",
    ])
    record_event(
        order=order, user=user, at=placed_at,
        **_creation_event(order, note=note or details.entry_note, source=source, line_count=len(lines)),
    )
    _record_price_overrides(order, priced, user, at=placed_at)
    if auto_review:
        _queue_auto_review(order)
    return order


@dataclass
class NewOrder:
    """One order of a batch for ``order_create_many``."""

    details: OrderDetails
    lines: Sequence[LineInput]


@transaction.atomic
def order_create_many(*, user, orders: Sequence[NewOrder], placed_at: datetime | None = None) -> list[Order]:
    """Enter many orders at once (Excel batch import), all or none.

    The same checks, numbers, prices (one price book for the whole batch), totals,
    priority, owner and timeline events per order as ``order_create`` — it shares its
    helpers — but written with a handful of bulk statements, so thousands of orders take
    seconds. The automatic review of the whole batch is queued as one task on commit.
    Whatever is added to ``order_create`` must be added here too.
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
    book = PriceBook(
        customers={details.customer for details, _ in cleaned},
        products={line.product for _, lines in cleaned for line in lines},
        on=timezone.localdate(placed_at),
    )
    numbers = reserve_order_numbers(timezone.localdate(placed_at), len(cleaned))
    created: list[Order] = []
    built = []
    for (details, lines), number in zip(cleaned, numbers):
        order = _new_order(user=user, details=details, lines=lines, number=number, placed_at=placed_at)
        try:
            priced, line_rows, adjustment_rows = _build_priced_rows(order, lines, book=book)
        except InvalidInput as error:
            problems.append(f"{details.external_ref or number}：{error}")
            continue
        order.priority_score = priority_score(order)
        created.append(order)
        built.append((details, lines, priced, line_rows, adjustment_rows))
    if problems:
        raise InvalidInput("；".join(problems[:20]) + ("……" if len(problems) > 20 else ""))
    Order.objects.bulk_create(created)
    line_rows, adjustment_rows, events = [], [], []
    actor_name = actor_display_name(user)
    for order, (details, lines, priced, lines_of_order, adjustments_of_order) in zip(created, built):
        for row in lines_of_order + adjustments_of_order:
            row.order = order  # assigns the primary key bulk_create has just returned
        line_rows.extend(lines_of_order)
        adjustment_rows.extend(adjustments_of_order)
        events.append(OrderEvent(order=order, actor=user, actor_name=actor_name, created_at=placed_at,
                                 **_creation_event(order, note=details.entry_note, source=None, line_count=len(lines))))
        overrides = _price_override_text(priced)
        if overrides:
            events.append(OrderEvent(order=order, actor=user, actor_name=actor_name, created_at=placed_at,
                                     kind=OrderEvent.Kind.NOTE, action="price_override", reason=overrides))
    OrderLine.objects.bulk_create(line_rows)
    OrderAdjustment.objects.bulk_create(adjustment_rows)
    OrderEvent.objects.bulk_create(events)
    from .tasks import run_auto_review_many

    order_ids = [order.pk for order in created]
    transaction.on_commit(partial(run_auto_review_many.delay, order_ids))
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


def _line_inputs_differ(old_lines, inputs: Sequence[LineInput]) -> bool:
    """Did the clerk change the goods, quantities or prices? A line entered without a price
    keeps a rule-priced line as it is; a typed price must equal the stored manual price."""
    if len(old_lines) != len(inputs):
        return True
    for old, new in zip(old_lines, inputs):
        if old.product_id != new.product.pk or old.quantity != new.quantity:
            return True
        if new.unit_price is None:
            if old.price_source == "manual":
                return True
        elif to_money(new.unit_price) != old.unit_price:
            return True
    return False


# Changes to these send an approved order back to review (they change what was approved).
MATERIAL_FIELDS = {
    "customer", "contact_name", "contact_phone", "ship_province", "ship_city", "ship_district", "ship_address",
    "invoice_type", "invoice_title", "order_type", "freight_waived",
}
EDITABLE_AFTER_APPROVAL = {OrderStatus.APPROVED, OrderStatus.ALLOCATED}


@transaction.atomic
def order_update(*, user, order: Order, details: OrderDetails, lines: Sequence[LineInput]) -> Order:
    """Edit an order before it goes into production or leaves the warehouse.

    Waiting (待审核) or rejected (已驳回) orders are simply edited. Editing the lines, prices,
    customer, address or invoice of an approved or allocated order sends it back to 待审核
    (its stock is released and it is reviewed again); notes and packaging can change freely.
    """
    _check_permission(user, "orders.change_order", "修改订单")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not (locked.is_editable or locked.status in EDITABLE_AFTER_APPROVAL):
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，不能再修改"
            "（只有出库前、生产前的订单可以修改）"
        )
    details = _clean_details(details)
    lines = _clean_lines(lines)
    before = {name: getattr(locked, name) for name in _DETAIL_FIELDS}
    old_lines = list(locked.lines.all())
    old_total = locked.total
    _apply_details(locked, details, lines)
    after = {name: getattr(locked, name) for name in _DETAIL_FIELDS}
    changed_fields = [name for name in _DETAIL_FIELDS if before.get(name) != after.get(name)]
    lines_changed = _line_inputs_differ(old_lines, lines)
    material = lines_changed or bool(MATERIAL_FIELDS & set(changed_fields))

    if locked.status in EDITABLE_AFTER_APPROVAL and material:
        # Production orders and pick lists made for the approved content are withdrawn
        # (refused once something has shipped).
        from fulfillment.services import fulfillment_withdraw

        fulfillment_withdraw(order=locked, user=user)
        stock_release_order(order=locked)
    # Before approval every edit re-prices the order by today's rules; after approval the
    # prices are frozen unless the edit itself changes what was approved.
    priced = None
    if material or locked.status not in EDITABLE_AFTER_APPROVAL:
        priced = _write_lines(locked, lines)
    if material:
        # Whatever was checked or overridden was about the old content.
        locked.checks.all().delete()
        locked.review_blockers = []
        locked.awaiting_manager = False
    locked.priority_score = priority_score(locked)
    locked.save()
    labels = [str(Order._meta.get_field(name).verbose_name) for name in changed_fields]
    if lines_changed:
        labels.append("商品明细")
    record_event(
        order=locked,
        user=user,
        kind=OrderEvent.Kind.EDITED,
        action="edit",
        reason="修改了：" + ("、".join(labels) if labels else "无实质变化"),
        data={"old_total": str(old_total), "new_total": str(locked.total), "material": material},
    )
    if priced is not None and lines_changed:
        _record_price_overrides(locked, priced, user)
    if locked.status in EDITABLE_AFTER_APPROVAL and material:
        locked = _fire(
            order=locked, user=None, action="return_to_review",
            reason="已审核的订单被修改（商品、价格、客户或地址），需重新审核；已锁定的库存已释放",
        )
    if locked.status == OrderStatus.PENDING_REVIEW and material:
        _queue_auto_review(locked)
    order.refresh_from_db()
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
        hint = spec.condition_hint
        if action == "approve":
            hint = "；".join(c.message for c in locked.checks.all() if c.is_blocking) or hint
        raise InvalidTransition(f"订单 {locked.number} 不满足“{spec.label}”的条件：{hint}")
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
    if locked.status in STAGE_TIMESTAMPS:
        setattr(locked, STAGE_TIMESTAMPS[locked.status], locked.status_changed_at)
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
    """Approve; a 现货 order then gets its stock locked at once (or a purchase request)."""
    approved = _fire(order=order, user=user, action="approve", reason=reason)
    return _after_approval(approved)


def _after_approval(order: Order) -> Order:
    if order.is_custom:
        # 定制 goods are made for the order: production orders for what stock does not cover.
        from fulfillment.services import production_order_raise

        production_order_raise(order=order, user=None)
        return order
    return order_try_allocate(order=order, user=None).order


REJECTION_REASONS = ["地址模糊", "商品缺货", "信用不足", "价格有误", "其他"]


@transaction.atomic
def order_reject(*, order: Order, user, reason: str, reason_code: str = "") -> Order:
    """驳回 back to the clerk with a reason (and a reason code from ``REJECTION_REASONS``)."""
    if reason_code and reason_code not in REJECTION_REASONS:
        raise InvalidInput(f"驳回原因类别“{reason_code}”无效")
    text = (reason or "").strip()
    if reason_code and text and not text.startswith(reason_code):
        text = f"{reason_code}：{text}"
    elif reason_code and not text:
        text = reason_code if reason_code != "其他" else ""
    return _fire(order=order, user=user, action="reject", reason=text, data={"reason_code": reason_code})


@transaction.atomic
def order_resubmit(*, order: Order, user, reason: str = "") -> Order:
    resubmitted = _fire(order=order, user=user, action="resubmit", reason=reason)
    resubmitted.checks.all().delete()
    Order.objects.filter(pk=resubmitted.pk).update(review_blockers=[], awaiting_manager=False)
    resubmitted.review_blockers, resubmitted.awaiting_manager = [], False
    _queue_auto_review(resubmitted)
    return resubmitted


# --- automatic review -----------------------------------------------------------------

@transaction.atomic
def order_auto_review(*, order: Order, user=None) -> Order:
    """Run every check, store the results, and approve the order when nothing holds it.

    Auto-approval needs: no block, no warning, amount within the manual-review threshold,
    and a 现货 order. Overrides a 主管 gave earlier stay valid until the order is edited.
    Running it again is safe; on an order that is no longer 待审核 it does nothing.
    """
    locked = (
        Order.objects.select_for_update(of=("self",)).select_related("customer").prefetch_related("lines__product")
        .get(pk=order.pk)
    )
    if locked.status != OrderStatus.PENDING_REVIEW:
        return locked
    if user is not None and not (user.has_perm("orders.review_order") or user.has_perm("orders.change_order")):
        raise ActionForbidden("您的角色没有权限重新运行自动审核")
    outcomes = review.run_checks(locked)
    previous = {check.name: check for check in locked.checks.all()}
    now = timezone.now()
    blockers, warnings = [], []
    for outcome in outcomes:
        check = previous.get(outcome.name) or ReviewCheck(order=locked, name=outcome.name)
        kept_override = check.overridden_at is not None and check.result == outcome.result
        check.result, check.message, check.figures = outcome.result, outcome.message, outcome.figures
        check.needs_override = outcome.needs_override
        check.checked_at = now
        if not kept_override:
            check.overridden_by, check.overridden_at, check.override_reason = None, None, ""
        check.save()
        if check.is_blocking:
            blockers.append(outcome.name)
        if outcome.result == CheckResult.WARN and not check.overridden_at:
            warnings.append(outcome.name)
    manual_reason = review.manual_review_reason(locked)
    locked.review_blockers = blockers
    locked.awaiting_manager = any(name in review.OVERRIDABLE for name in blockers)
    locked.needs_manual_review = bool(manual_reason)
    locked.save(update_fields=["review_blockers", "awaiting_manager", "needs_manual_review", "updated_at"])

    summary = _review_summary(outcomes, blockers, warnings, manual_reason)
    record_event(
        order=locked,
        user=user,
        kind=OrderEvent.Kind.REVIEW if "credit" not in blockers else OrderEvent.Kind.HOLD,
        action="auto_review",
        reason=summary,
        data={o.name: o.result for o in outcomes},
    )
    if not blockers and not warnings and not manual_reason:
        return order_approve(order=locked, user=None, reason="自动审核全部通过")
    return locked


def _review_summary(outcomes, blockers, warnings, manual_reason) -> str:
    labels = dict(ReviewCheck.Name.choices)
    parts = []
    if blockers:
        parts.append("拦截：" + "、".join(str(labels[n]) for n in blockers))
    if warnings:
        parts.append("警告：" + "、".join(str(labels[n]) for n in warnings if n not in blockers))
    if manual_reason:
        parts.append(manual_reason)
    if not parts:
        return "自动审核：全部检查通过"
    if "credit" in blockers:
        parts.insert(0, "信用额度不足，订单已冻结，等待主管放行")
    return "自动审核：" + "；".join(p for p in parts if not p.endswith("："))


@transaction.atomic
def order_override_check(*, order: Order, user, check_name: str, reason: str) -> Order:
    """A 主管 releases a check that holds the order (credit hold, overdue debt, price)."""
    _check_permission(user, "orders.override_review_check", "放行审核检查（需主管）")
    if not (reason or "").strip():
        raise InvalidInput("放行必须填写原因")
    if check_name not in review.OVERRIDABLE:
        raise InvalidInput("该检查项不能放行，请修改订单资料后重新审核")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.PENDING_REVIEW:
        raise InvalidTransition(f"订单 {locked.number} 不在待审核状态，无需放行")
    check = locked.checks.filter(name=check_name).first()
    if check is None or not check.is_blocking:
        raise InvalidInput("该检查项当前没有拦截订单")
    check.overridden_by, check.overridden_at, check.override_reason = user, timezone.now(), reason.strip()
    check.save(update_fields=["overridden_by", "overridden_at", "override_reason"])
    locked.review_blockers = [name for name in locked.review_blockers if name != check_name]
    locked.awaiting_manager = any(name in review.OVERRIDABLE for name in locked.review_blockers)
    locked.save(update_fields=["review_blockers", "awaiting_manager", "updated_at"])
    record_event(
        order=locked,
        user=user,
        kind=OrderEvent.Kind.HOLD,
        action="override_check",
        reason=f"放行“{check.get_name_display()}”：{reason.strip()}",
        data={"check": check_name, "message": check.message},
    )
    return locked


# --- allocation -------------------------------------------------------------------------

@dataclass
class AllocationOutcome:
    order: Order
    allocated: bool
    shortages: list[Shortage] = field(default_factory=list)
    purchase_requests: list[PurchaseRequest] = field(default_factory=list)


@transaction.atomic
def order_try_allocate(*, order: Order, user, reason: str = "") -> AllocationOutcome:
    """Lock stock for an approved order; on shortage, raise purchase requests instead.

    The order stays 已审核 with its shortage visible until stock arrives; receiving stock
    for the product allocates the waiting orders by priority (``orders_allocate_waiting``).
    """
    _check_permission(user, "orders.allocate_order", "分配库存")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.APPROVED:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已审核的订单可以分配库存"
        )
    try:
        with transaction.atomic():
            allocations = stock_allocate_order(order=locked)
    except InsufficientStock as shortage:
        requests = []
        if not locked.is_custom:
            requests = purchase_requests_raise(order=locked, shortages=shortage.shortages, user=user)
        if requests:
            record_event(
                order=locked,
                user=user,
                kind=OrderEvent.Kind.STOCK,
                action="shortage",
                reason=str(shortage) + "。已生成采购申请 " + "、".join(r.number for r in requests),
                data={"shortages": [s.__dict__ for s in shortage.shortages], "purchase_requests": [r.pk for r in requests]},
            )
        return AllocationOutcome(locked, False, shortage.shortages, requests)
    summary = [{"line": a.order_line.line_no, "batch": a.batch.batch_no, "quantity": a.quantity} for a in allocations]
    allocated = _fire(order=locked, user=user, action="allocate", reason=reason, data={"allocations": summary})
    PurchaseRequest.objects.filter(order=allocated, state=PurchaseRequest.State.OPEN).update(
        state=PurchaseRequest.State.CANCELLED, closed_at=timezone.now(), note="订单已由现有库存满足"
    )
    return AllocationOutcome(allocated, True)


def order_allocate(*, order: Order, user, reason: str = "") -> Order:
    """The 分配库存 button: allocate, or report the shortage (after the purchase requests
    raised for it have been committed)."""
    outcome = order_try_allocate(order=order, user=user, reason=reason)
    if not outcome.allocated:
        requests = "，已生成采购申请 " + "、".join(r.number for r in outcome.purchase_requests) if outcome.purchase_requests else ""
        raise InsufficientStock("库存不足，暂无法分配：" + "；".join(str(s) for s in outcome.shortages) + requests)
    return outcome.order


def orders_allocate_waiting(*, product_ids) -> list[str]:
    """Allocate approved 现货 orders that wait for these products, highest priority first.

    Each order is tried in its own transaction, so one order's shortage does not undo
    another's allocation. Returns the numbers of the orders allocated.
    """
    waiting = (
        Order.objects.filter(status=OrderStatus.APPROVED, order_type=OrderType.STOCK, lines__product_id__in=product_ids)
        .distinct()
        .order_by("-priority_score", "created_at", "id")
    )
    allocated = []
    for order in waiting:
        outcome = order_try_allocate(order=order, user=None, reason="到货后自动分配")
        if outcome.allocated:
            allocated.append(order.number)
    return allocated


@transaction.atomic
def order_copy(*, order: Order, user) -> Order:
    """A new order with the same customer, delivery details and lines — and no approval:
    it starts at 待审核 and goes through the automatic review like any new order."""
    _check_permission(user, "orders.add_order", "复制订单")
    details = OrderDetails(customer=order.customer, **{name: getattr(order, name) for name in _DETAIL_FIELDS if name != "customer"})
    details.external_ref = ""
    details.channel = order.channel if order.channel != Channel.IMPORT else Channel.PHONE
    lines = [
        LineInput(product=line.product, quantity=line.quantity,
                  unit_price=line.unit_price if line.price_source == "manual" else None,
                  override_reason=line.override_reason)
        for line in order.lines.all()
    ]
    return order_create(user=user, details=details, lines=lines, note=f"复制自订单 {order.number}",
                        source={"copied_from": order.number})


@transaction.atomic
def payment_record(
    *, order: Order, user, amount: Decimal, method: str | None = None, reference: str = "", paid_at=None
) -> Payment:
    """收款: money received for an order; it lowers the customer's open receivables."""
    _check_permission(user, "orders.add_payment", "登记收款")
    amount = to_money(amount)
    if amount <= 0:
        raise InvalidInput("收款金额必须大于0")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
        raise InvalidTransition(f"订单 {locked.number} 已{locked.get_status_display()}，不能登记收款")
    if amount > locked.balance_due:
        raise InvalidInput(f"收款金额 ¥{amount:,.2f} 超过订单应收余额 ¥{locked.balance_due:,.2f}，请核对")
    method = method or locked.payment_method
    if method not in PaymentMethod.values:
        raise InvalidInput("付款方式无效")
    payment = Payment.objects.create(order=locked, method=method, amount=amount, reference=reference.strip(),
                                     paid_at=paid_at or timezone.now(), recorded_by=user)
    locked.paid_amount += amount
    locked.save(update_fields=["paid_amount", "updated_at"])
    record_event(
        order=locked, user=user, kind=OrderEvent.Kind.NOTE, action="payment",
        reason=f"收款 ¥{amount:,.2f}（{PaymentMethod(method).label}）" + (f"，凭证 {reference.strip()}" if reference.strip() else "")
        + f"；应收余额 ¥{locked.balance_due:,.2f}",
        data={"amount": str(amount), "method": method, "reference": reference.strip()},
    )
    order.refresh_from_db()
    return payment


@transaction.atomic
def refund_record(
    *,
    order: Order,
    user,
    amount: Decimal,
    reason: str,
    source: str,
    credit_amount: Decimal = Decimal("0.00"),
    computation: str = "",
    case_number: str = "",
    reference: str = "",
) -> Refund:
    """退款: money paid back; ``credit_amount`` is the part of the order no longer owed
    (goods returned or cancelled), so that the balance stays right whether or not the
    customer had paid."""
    _check_permission(user, "orders.add_refund", "登记退款")
    amount, credit_amount = to_money(amount), to_money(credit_amount)
    if amount < 0 or credit_amount < 0:
        raise InvalidInput("退款金额不能为负数")
    if not (reason or "").strip():
        raise InvalidInput("退款必须填写原因")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if amount > locked.paid_amount - locked.refunded_amount:
        raise InvalidInput(
            f"退款金额 ¥{amount:,.2f} 超过客户已付未退的 ¥{locked.paid_amount - locked.refunded_amount:,.2f}"
        )
    if credit_amount > locked.net_total:
        raise InvalidInput(f"冲减金额 ¥{credit_amount:,.2f} 超过订单剩余金额 ¥{locked.net_total:,.2f}")
    refund = Refund.objects.create(
        order=locked, source=source, amount=amount, credit_amount=credit_amount, computation=computation,
        reason=reason.strip(), case_number=case_number, reference=reference, recorded_by=user,
    )
    locked.refunded_amount += amount
    locked.returned_amount += credit_amount
    locked.save(update_fields=["refunded_amount", "returned_amount", "updated_at"])
    record_event(
        order=locked, user=user, kind=OrderEvent.Kind.NOTE, action="refund",
        reason=f"退款 ¥{amount:,.2f}（{Refund.Source(source).label}）：{reason.strip()}"
        + (f"；{computation}" if computation else ""),
        data={"amount": str(amount), "credit": str(credit_amount), "source": source, "case": case_number},
    )
    order.refresh_from_db()
    return refund


@transaction.atomic
def order_close(*, order: Order, user, reason: str) -> Order:
    """已关闭: a 主管 ends an order that cannot finish normally; it is archived read-only."""
    return _fire(order=order, user=user, action="close", reason=reason)


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
def order_ship(
    *, order: Order, user, reason: str = "", allocations: Sequence | None = None, data: dict | None = None
) -> Order:
    """出库: allocated goods leave the warehouse.

    ``allocations`` are the ones one shipment carries (partial shipment); ``None`` ships
    every active allocation. The order becomes 已出库 only once every line has shipped in
    full; an earlier shipment is a note on the timeline (no state change).
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.ALLOCATED:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已分配的订单可以出库"
        )
    _check_permission(user, "orders.ship_order", "出库")
    if allocations is None:
        quantity = stock_consume_order(order=locked, user=user)
    else:
        quantity = stock_consume_allocations(allocations=allocations, order_number=locked.number, user=user)
    data = {"quantity": quantity, **(data or {})}
    shipped = shipped_quantities_by_line(locked)
    waiting = [line for line in locked.lines.all() if shipped.get(line.pk, 0) < line.quantity]
    if waiting:
        remaining = "、".join(f"第{l.line_no}行 {l.product_name} 还差 {l.quantity - shipped.get(l.pk, 0)}" for l in waiting)
        record_event(
            order=locked, user=user, kind=OrderEvent.Kind.NOTE, action="ship_partial",
            reason=f"部分出库 {quantity} 件；{remaining}" + (f"。{reason}" if reason else ""), data=data,
        )
        return locked
    return _fire(order=locked, user=user, action="ship", reason=reason, data=data)


@transaction.atomic
def order_start_transit(*, order: Order, user, reason: str = "") -> Order:
    return _fire(order=order, user=user, action="start_transit", reason=reason)


@transaction.atomic
def order_deliver(*, order: Order, user, reason: str = "") -> Order:
    """已交付. For 货到付款 the money collected at the door is recorded with it."""
    delivered = _fire(order=order, user=user, action="deliver", reason=reason)
    if delivered.payment_method == PaymentMethod.CASH_ON_DELIVERY and delivered.balance_due > 0:
        payment_record(order=delivered, user=None, amount=delivered.balance_due,
                       method=PaymentMethod.CASH_ON_DELIVERY, reference="货到付款，签收时代收")
        delivered.refresh_from_db()
    return delivered


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
    "close": order_close,
}


# --- price rules ---------------------------------------------------------------------------

@transaction.atomic
def price_rule_save(*, user, rule):
    """Save a price rule (contract price, level discount, quantity break, promotion, freight).

    Approved orders keep their frozen prices; orders not yet approved are re-priced by the
    new rules the next time they are edited.
    """
    from django.core.exceptions import ValidationError

    meta = rule._meta
    action = "change" if rule.pk else "add"
    _check_permission(user, f"{meta.app_label}.{action}_{meta.model_name}", "维护价格规则")
    try:
        rule.full_clean()
    except ValidationError as error:
        raise InvalidInput("；".join(error.messages)) from error
    rule.save()
    return rule


@transaction.atomic
def price_rule_deactivate(*, user, rule):
    """Rules are switched off, not deleted: orders keep explaining prices with them."""
    meta = rule._meta
    _check_permission(user, f"{meta.app_label}.change_{meta.model_name}", "维护价格规则")
    type(rule).objects.filter(pk=rule.pk).update(is_active=False)
    rule.is_active = False
    return rule
