"""Entering and editing orders: details, lines priced by the rules, copies and batches."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import Customer, CustomerLevel
from customers.phones import mask_phone, normalize_phone
from customers.privacy import HIDDEN_STREET, mask_email
from customers.services import AddressInput, ContactInput, customer_create
from customers.validators import special_invoice_problems
from inventory.models import Product, ProductUnit
from inventory.services import (
    stock_release_order,
)
from ordermgmt.scoped_cache import cache_scope
from ordermgmt.bulk import bulk_insert
from ordermgmt.domain_events import publish, publish_all
from ordermgmt.errors import InvalidBatch, InvalidInput, InvalidTransition
from ordermgmt.history import display_value
from ordermgmt.language import in_platform_language
from ordermgmt.money import column_limit, fits_column, format_yuan, parse_money, parse_quantity, to_money
from ordermgmt.queueing import enqueue

from ..domain_events import OrderCreated, OrderReopenedForReview
from ..events import announcements, record_event, timeline_entry
from ..models import (
    Channel,
    InvoiceType,
    Order,
    OrderAdjustment,
    OrderEvent,
    OrderLine,
    OrderStatus,
    OrderType,
    PaymentMethod,
    Priority,
)
from ..numbering import next_order_number, reserve_order_numbers
from ..pricing import FREIGHT_VAT_RATE, PriceBook, PricedOrder, price_order
from .common import check_permission, fire_transition, priority_score, queue_auto_review


# The largest quantity a line's column holds (PostgreSQL integer), in base units.
QUANTITY_LIMIT = 2_147_483_647


@dataclass
class LineInput:
    """One line as entered. ``unit_price`` None means “price it by the rules”; a price that
    differs from the rule price is a manual override and needs ``override_reason``."""

    product: Product
    quantity: int  # in ``unit``
    unit_price: Decimal | None = None  # per ``unit``
    override_reason: str = ""
    unit: ProductUnit | None = None  # another unit of the product (箱); None = its base unit

    @classmethod
    def from_lines(cls, lines: Sequence[OrderLine]) -> list["LineInput"]:
        """The lines as they were entered (their unit, quantity in it, manual price), to enter
        them again; the units of every line are read at once."""
        lines = list(lines)
        with_units = {line.product_id for line in lines if line.sales_unit}
        units = {(unit.product_id, unit.name): unit
                 for unit in ProductUnit.objects.filter(product_id__in=with_units)} if with_units else {}
        return [cls._from_line(line, units) for line in lines]

    @classmethod
    def _from_line(cls, line: OrderLine, units: dict) -> "LineInput":
        unit = None
        if line.sales_unit:
            unit = units.get((line.product_id, line.sales_unit))
            if unit is None:
                raise InvalidInput(f"商品 {line.product_sku} 已没有单位“{line.sales_unit}”，请重新选择单位")
        return cls(product=line.product, quantity=line.ordered_quantity,
                   unit_price=line.unit_price if line.price_source == "manual" else None,
                   override_reason=line.override_reason, unit=unit)


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
    # The sales channel an integration stands for ("taobao-shop-1"), for orders pushed through
    # the API: its external_ref is unique within that channel. Set once, never edited.
    channel_code: str = ""


DETAIL_FIELDS = [
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
    unit_price_column = OrderLine._meta.get_field("unit_price")
    for index, line in enumerate(lines, start=1):
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool):
            problems.append(f"第{index}行：数量必须是正整数")
        else:
            _collect(problems, partial(parse_quantity, line.quantity, label=f"第{index}行：数量"))
        if line.unit_price is not None:
            _collect(problems, partial(parse_money, line.unit_price, label=f"第{index}行：单价",
                                       max_digits=unit_price_column.max_digits))
        if not line.product.is_active:
            problems.append(f"第{index}行：商品 {line.product.sku} 已停售")
        unit = getattr(line, "unit", None)
        if unit is not None and unit.product_id != line.product.pk:
            problems.append(f"第{index}行：单位“{unit.name}”不是商品 {line.product.sku} 的单位")
        elif unit is not None and isinstance(line.quantity, int) and line.quantity * unit.factor > QUANTITY_LIMIT:
            problems.append(f"第{index}行：{line.quantity} {unit.name} 折合基本单位数量过大")
    if problems:
        raise InvalidInput("；".join(problems))
    return list(lines)


def _collect(problems: list[str], parse) -> None:
    try:
        parse()
    except InvalidInput as refused:
        problems.append(str(refused))


def _check_order_fits_its_columns(order: Order) -> None:
    """Huge quantities at huge prices could add up to more than the amount columns hold."""
    for name in ("goods_amount", "freight_amount", "subtotal", "total"):
        column = Order._meta.get_field(name)
        if not fits_column(getattr(order, name), column):
            raise InvalidInput(
                f"订单{column.verbose_name} {format_yuan(getattr(order, name))} 超出系统上限 "
                f"{format_yuan(column_limit(column.max_digits))}，请核对数量和单价，或拆分成多张订单"
            )


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
            quantity=line.base_quantity,
            sales_unit=line.unit.name if line.unit else "",
            sales_quantity=line.quantity if line.unit else None,
            unit_factor=line.unit.factor if line.unit else 1,
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
    _check_order_fits_its_columns(order)
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
    for name in DETAIL_FIELDS:
        if name == "owner" and details.owner is None:
            continue  # an edit that does not name an owner keeps the order's owner
        setattr(order, name, getattr(details, name))
    if any(line.product.is_custom for line in lines):
        order.order_type = OrderType.CUSTOM
    if order.invoice_type == InvoiceType.NONE:
        order.invoice_title = ""


def _new_order(*, user, details: OrderDetails, lines: Sequence[LineInput], number: str, placed_at: datetime) -> Order:
    """An unsaved order, checked and filled in exactly as ``order_create`` stores it."""
    order = Order(number=number, created_by=user, created_at=placed_at, status_changed_at=placed_at,
                  channel_code=details.channel_code)
    _apply_details(order, details, lines)
    if order.owner is None:
        order.owner_id = details.customer.owner_id or (user.pk if user is not None else None)
    return order


@in_platform_language
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
    replaces_order: Order | None = None,
) -> Order:
    """Enter a new order; it is submitted for review at once (status 待审核) and the
    automatic review is queued for when the transaction commits.

    ``placed_at`` backdates an order (demo data, migrations from a previous system); it
    also decides the date part of the order number. ``note`` and ``source`` describe where
    the order came from on its first timeline event (e.g. the import that created it).
    ``price_book`` lets a caller that enters many orders load the price rules once.
    ``replaces_order`` marks an exchange (换货) order sent for an after-sales case.
    """
    check_permission(user, "orders.add_order", "新建订单")
    details = _clean_details(details)
    lines = _clean_lines(lines)
    placed_at = placed_at or timezone.now()
    order = _new_order(
        user=user, details=details, lines=lines,
        number=next_order_number(timezone.localdate(placed_at)), placed_at=placed_at,
    )
    order.replaces_order = replaces_order
    # Priced before it is saved: the order row is written once, with its totals.
    priced, line_rows, adjustment_rows = _build_priced_rows(order, lines, book=price_book)
    order.priority_score = priority_score(order)
    order.save(force_insert=True)
    OrderLine.objects.bulk_create(line_rows)
    OrderAdjustment.objects.bulk_create(adjustment_rows)
    record_event(
        order=order, user=user, at=placed_at,
        **_creation_event(order, note=note or details.entry_note, source=source, line_count=len(lines)),
    )
    _record_price_overrides(order, priced, user, at=placed_at)
    publish(OrderCreated(order=order, user=user))
    if auto_review:
        queue_auto_review(order)
    return order


@dataclass
class NewOrder:
    """One order of a batch for ``order_create_many``."""

    details: OrderDetails
    lines: Sequence[LineInput]


@transaction.atomic
@in_platform_language
def order_create_many(*, user, orders: Sequence[NewOrder], placed_at: datetime | None = None,
                      auto_review: bool = True) -> list[Order]:
    """Enter many orders at once (Excel batch import, the API's batch), all or none.

    The same checks, numbers, prices (one price book for the whole batch), totals,
    priority, owner, timeline events and domain events per order as ``order_create`` — it
    shares its helpers — but written with a handful of bulk statements, so thousands of
    orders take seconds. The automatic review of the whole batch is queued as one task on
    commit (``orders_review_batch``). Whatever is added to ``order_create`` must be added
    here too.
    """
    check_permission(user, "orders.add_order", "新建订单")
    placed_at = placed_at or timezone.now()
    problems: list[tuple[int, str]] = []
    cleaned: list[tuple[OrderDetails, list[LineInput]]] = []
    for index, entry in enumerate(orders):
        try:
            cleaned.append((_clean_details(entry.details), _clean_lines(entry.lines)))
        except InvalidInput as error:
            problems.append((index, str(error)))
    if problems:
        raise _batch_refused(orders, problems, labels=[f"第{index}个订单" for index in range(1, len(orders) + 1)])
    book = PriceBook(
        customers={details.customer for details, _ in cleaned},
        products={line.product for _, lines in cleaned for line in lines},
        on=timezone.localdate(placed_at),
    )
    numbers = reserve_order_numbers(timezone.localdate(placed_at), len(cleaned))
    created: list[Order] = []
    built = []
    for index, ((details, lines), number) in enumerate(zip(cleaned, numbers)):
        order = _new_order(user=user, details=details, lines=lines, number=number, placed_at=placed_at)
        try:
            priced, line_rows, adjustment_rows = _build_priced_rows(order, lines, book=book)
        except InvalidInput as error:
            problems.append((index, str(error)))
            continue
        order.priority_score = priority_score(order)
        created.append(order)
        built.append((details, lines, priced, line_rows, adjustment_rows))
    if problems:
        raise _batch_refused(orders, problems, labels=numbers)
    bulk_insert(created)
    line_rows, adjustment_rows, events, announced = [], [], [], []
    for order, (details, lines, priced, lines_of_order, adjustments_of_order) in zip(created, built):
        # The rows hold ``order`` itself; bulk_create copies the primary key it has just
        # returned into their order_id (Model._prepare_related_fields_for_save).
        line_rows.extend(lines_of_order)
        adjustment_rows.extend(adjustments_of_order)
        entries = [timeline_entry(order=order, user=user, at=placed_at,
                                  **_creation_event(order, note=details.entry_note, source=None, line_count=len(lines)))]
        overrides = _price_override_text(priced)
        if overrides:
            entries.append(timeline_entry(order=order, user=user, at=placed_at, kind=OrderEvent.Kind.NOTE,
                                          action="price_override", reason=overrides))
        events.extend(entries)
        announced.append((entries, OrderCreated(order=order, user=user)))
    bulk_insert(line_rows)
    bulk_insert(adjustment_rows)
    bulk_insert(events)
    # Announced as ``order_create`` announces each order: its timeline entries, then the order.
    with cache_scope():  # listeners read what they need for these orders once, not once per order
        publish_all([item for entries, created_event in announced
                     for item in [*(a for entry in entries for a in announcements(entry)), created_event]])
    if auto_review:
        order_ids = [order.pk for order in created]
        transaction.on_commit(partial(enqueue, "orders.tasks.run_auto_review_many", order_ids))
    return created


def _batch_refused(orders: Sequence[NewOrder], problems: list[tuple[int, str]], *, labels) -> InvalidBatch:
    """One error naming every refused order (by its external number, else ``labels[index]``),
    with the problems per entry for callers that answer per order."""
    named = [f"{orders[index].details.external_ref or labels[index]}：{message}" for index, message in problems]
    return InvalidBatch("；".join(named[:20]) + ("……" if len(named) > 20 else ""), problems=problems)


@dataclass
class NewCustomer:
    """A customer entered together with their first order."""

    name: str
    level: str = CustomerLevel.NORMAL


def order_place(
    *, user, details: OrderDetails, lines: Sequence[LineInput], new_customer: NewCustomer | None = None
) -> Order:
    """Enter an order, creating its customer first when it is a new one (in one transaction).

    The new customer's primary contact and default address are the ones typed on the order.
    """
    if new_customer is None:
        if details.customer is None:
            raise InvalidInput("请选择客户，或填写新客户的资料")
        return order_create(user=user, details=details, lines=lines)
    with transaction.atomic():
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
        return order_create(user=user, details=details, lines=lines)


def _line_inputs_differ(old_lines, inputs: Sequence[LineInput]) -> bool:
    """Did the clerk change the goods, quantities or prices? A line entered without a price
    keeps a rule-priced line as it is; a typed price must equal the stored manual price."""
    if len(old_lines) != len(inputs):
        return True
    for old, new in zip(old_lines, inputs):
        if old.product_id != new.product.pk or old.ordered_quantity != new.quantity:
            return True
        if old.sales_unit != (new.unit.name if new.unit else ""):
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

# The timeline is read by every role that sees the order and is kept as long as the order:
# the receiver's personal details go into it masked, like the order page shows them to a
# role without the full contact (the street not at all).
_MASKED_ON_TIMELINE = {
    "contact_name": lambda name: name[:1] + "*" * max(len(name) - 1, 1),
    "contact_phone": mask_phone,
    "contact_email": mask_email,
    "ship_address": lambda street: HIDDEN_STREET,
}


def _timeline_value(name: str, value) -> str:
    shown = display_value(Order._meta.get_field(name), value)
    mask = _MASKED_ON_TIMELINE.get(name)
    return mask(shown) if mask is not None and value not in (None, "") else shown


def _lines_summary(lines) -> str:
    return "；".join(f"{line.product.sku} × {line.ordered_quantity}{line.sales_unit} @ {line.unit_price}"
                    for line in lines) or "—"


def _edit_changes(before: dict, after: dict, changed_fields: list[str], old_lines, new_lines) -> list[dict]:
    """Old → new of every field an edit changed, as the timeline shows them."""
    changes = [
        {"field": name, "label": str(Order._meta.get_field(name).verbose_name),
         "old": _timeline_value(name, before.get(name)), "new": _timeline_value(name, after.get(name))}
        for name in changed_fields
    ]
    if new_lines is not None:
        changes.append({"field": "lines", "label": "商品明细",
                        "old": _lines_summary(old_lines), "new": _lines_summary(new_lines)})
    return changes


@in_platform_language
@transaction.atomic
def order_update(*, user, order: Order, details: OrderDetails, lines: Sequence[LineInput]) -> Order:
    """Edit an order before it goes into production or leaves the warehouse.

    Waiting (待审核) or rejected (已驳回) orders are simply edited. Editing the lines, prices,
    customer, address or invoice of an approved or allocated order sends it back to 待审核
    (its stock is released and it is reviewed again); notes and packaging can change freely.
    """
    check_permission(user, "orders.change_order", "修改订单")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not (locked.is_editable or locked.status in EDITABLE_AFTER_APPROVAL):
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，不能再修改"
            "（只有出库前、生产前的订单可以修改）"
        )
    details = _clean_details(details)
    lines = _clean_lines(lines)
    before = {name: getattr(locked, name) for name in DETAIL_FIELDS}
    old_lines = list(locked.lines.select_related("product"))
    old_total = locked.total
    _apply_details(locked, details, lines)
    after = {name: getattr(locked, name) for name in DETAIL_FIELDS}
    changed_fields = [name for name in DETAIL_FIELDS if before.get(name) != after.get(name)]
    lines_changed = _line_inputs_differ(old_lines, lines)
    material = lines_changed or bool(MATERIAL_FIELDS & set(changed_fields))

    if locked.status in EDITABLE_AFTER_APPROVAL and material:
        # What was prepared for the approved content (production orders, pick lists) is
        # withdrawn by its listeners, which refuse once something has shipped.
        publish(OrderReopenedForReview(order=locked, user=user))
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
    changes = _edit_changes(before, after, changed_fields, old_lines,
                            list(locked.lines.select_related("product")) if lines_changed else None)
    record_event(
        order=locked,
        user=user,
        kind=OrderEvent.Kind.EDITED,
        action="edit",
        reason="修改了：" + ("、".join(change["label"] for change in changes) if changes else "无实质变化"),
        data={"old_total": str(old_total), "new_total": str(locked.total), "material": material,
              "changes": changes},
    )
    if priced is not None and lines_changed:
        _record_price_overrides(locked, priced, user)
    if locked.status in EDITABLE_AFTER_APPROVAL and material:
        locked = fire_transition(
            order=locked, user=None, action="return_to_review",
            reason="已审核的订单被修改（商品、价格、客户或地址），需重新审核；已锁定的库存已释放",
        )
    if locked.status == OrderStatus.PENDING_REVIEW and material:
        queue_auto_review(locked)
    order.refresh_from_db()
    return locked


@transaction.atomic
def order_copy(*, order: Order, user) -> Order:
    """A new order with the same customer, delivery details and lines — and no approval:
    it starts at 待审核 and goes through the automatic review like any new order."""
    check_permission(user, "orders.add_order", "复制订单")
    details = OrderDetails(customer=order.customer, **{name: getattr(order, name) for name in DETAIL_FIELDS if name != "customer"})
    details.external_ref = ""
    details.channel = order.channel if order.channel != Channel.IMPORT else Channel.PHONE
    lines = LineInput.from_lines(order.lines.select_related("product"))
    return order_create(user=user, details=details, lines=lines, note=f"复制自订单 {order.number}",
                        source={"copied_from": order.number})
