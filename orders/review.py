"""The automatic review of an order: named checks, each with a result and its figures.

Pure reads: nothing here writes. ``orders.services.orders_review_batch`` stores the outcomes,
decides what holds each order, approves it when nothing does and allocates its stock.

The checks are written for one order, but read what they need for a whole batch of
orders at once (``load_review_facts``): one query per check for the batch — receivables
and overdue debt by customer (``orders.receivables``), recent orders of the same customers for duplicates — and the
stock of every product from the batch's locked ``StockLedger``; completeness and prices
are decided in Python. A batch of one is the single order's review.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

from customers.models import Customer
from customers.phones import is_valid_phone
from inventory.services import StockLedger
from ordermgmt.money import format_yuan, to_money
from ordermgmt.policies import (
    DUPLICATE_WINDOW_HOURS,
    MANUAL_REVIEW_THRESHOLD,
    MAX_MANUAL_DISCOUNT_PERCENT,
    get_policy,
)

from .models import (
    BALANCE_DUE,
    CheckResult,
    CustomerCredit,
    InvoiceType,
    OpeningReceivable,
    Order,
    OrderLine,
    OrderStatus,
    ReviewCheck,
)
from .pricing import price_check_problems
from .receivables import (
    DUE_FROM,
    PAYMENT_DUE_STATUSES,
    OpenItem,
    credit_open_items,
    opening_open_items,
    overdue_items_by_customer,
    today_of,
)

Name = ReviewCheck.Name

# Checks a 主管 may override (release) with a reason; the others must be fixed by editing.
OVERRIDABLE = {Name.CREDIT, Name.OVERDUE, Name.PRICE}

OVERDUE_LISTED = 50  # overdue orders named (and summed) in the check's message


@dataclass
class CheckOutcome:
    name: str
    result: str
    message: str
    figures: dict = field(default_factory=dict)
    needs_override: bool = False


@dataclass(frozen=True)
class RecentOrder:
    """An order of the same customer near the reviewed ones in time, with its lines."""

    pk: int
    number: str
    created_at: datetime
    signature: tuple


@dataclass
class ReviewFacts:
    """What the checks of a batch of orders read from the database, loaded once."""

    now: datetime
    duplicate_window_hours: int
    max_manual_discount_percent: Decimal
    manual_review_threshold: Decimal
    # Customer → what it owes on orders outside the batch; the batch's own orders are added in Python.
    receivables_outside: dict[int, Decimal]
    batch_orders_by_customer: dict[int, list[Order]]
    # customer → its overdue receivables (orders.receivables), oldest due first, at most OVERDUE_LISTED
    overdue: dict[int, list[OpenItem]]
    recent: dict[int, list[RecentOrder]]  # customer → newest first, cancelled orders left out

    @cached_property
    def today(self) -> date:
        """The local day of ``now``: what due dates are compared with."""
        return today_of(self.now)

    def receivables(self, order: Order) -> Decimal:
        """What the customer owes on every other order (see ``open_receivables``)."""
        others = sum((o.balance_due for o in self.batch_orders_by_customer[order.customer_id] if o.pk != order.pk),
                     Decimal("0"))
        return to_money(self.receivables_outside.get(order.customer_id, Decimal("0")) + others)


def load_review_facts(orders: Sequence[Order], *, now: datetime | None = None) -> ReviewFacts:
    now = now or timezone.now()
    customers = {order.customer_id: order.customer for order in orders}
    batch_orders: dict[int, list[Order]] = defaultdict(list)
    for order in orders:
        batch_orders[order.customer_id].append(order)
    window = get_policy(DUPLICATE_WINDOW_HOURS)
    today = today_of(now)
    receivables, with_overdue = _receivables_outside(customers.values(), [o.pk for o in orders], today=today)
    return ReviewFacts(
        now=now,
        duplicate_window_hours=window,
        max_manual_discount_percent=get_policy(MAX_MANUAL_DISCOUNT_PERCENT),
        manual_review_threshold=get_policy(MANUAL_REVIEW_THRESHOLD),
        receivables_outside=receivables,
        batch_orders_by_customer=batch_orders,
        overdue=overdue_items_by_customer(with_overdue, today=today, limit=OVERDUE_LISTED),
        recent=_recent_orders(orders, timedelta(hours=window)),
    )


def _past_terms(customers, *, today: date) -> Q:
    """Orders of these customers due longer ago than the customer's payment terms, with money owed."""
    by_terms: dict[int, list[int]] = defaultdict(list)
    for customer in customers:
        by_terms[customer.payment_terms_days].append(customer.pk)
    past_terms = Q()
    for days, ids in by_terms.items():
        # Delivered (else shipped) before the local day ``today - terms``: its due date is past
        # (the same due dates as ``orders.receivables``, which lists the overdue items).
        cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=days), datetime.min.time()))
        past_terms |= Q(customer_id__in=ids) & Q(LessThan(DUE_FROM, cutoff))
    return Q(status__in=PAYMENT_DUE_STATUSES) & Q(GreaterThan(BALANCE_DUE, 0)) & past_terms


def _receivables_outside(customers, batch_ids: list[int], *, today: date) -> tuple[dict[int, Decimal], list[int]]:
    """What each customer owes outside the batch — its other orders, plus the opening receivable
    still open (期初应收), less its credit (客户余额) — and which customers have overdue orders or
    an opening receivable past due (one query; the overdue orders themselves are read only for those)."""
    customers = list(customers)
    if not customers:
        return {}, []
    others = Order.objects.filter(customer=OuterRef("pk")).exclude(pk__in=batch_ids)
    opening = OpeningReceivable.objects.filter(customer=OuterRef("pk"), amount__gt=F("settled_amount"))
    rows = (
        Customer.objects.filter(pk__in=[c.pk for c in customers])
        .annotate(
            due=Subquery(others.values("customer_id").annotate(due=Sum(BALANCE_DUE)).values("due")[:1]),
            overdue=Exists(others.filter(_past_terms(customers, today=today))),
            opening=Subquery(opening.annotate(open=F("amount") - F("settled_amount")).values("open")[:1]),
            opening_due_date=Subquery(opening.values("due_date")[:1]),
            credit=Subquery(CustomerCredit.objects.filter(customer=OuterRef("pk")).values("customer_id")
                            .annotate(total=Sum("amount")).values("total")[:1]),
        )
        .values_list("pk", "due", "overdue", "opening", "opening_due_date", "credit")
    )
    receivables, with_overdue = {}, []
    for customer_id, due, overdue, opening_open, opening_due_date, credit in rows:
        receivables[customer_id] = to_money((due or 0) + (opening_open or 0) - (credit or 0))
        if overdue or (opening_open and opening_due_date < today):
            with_overdue.append(customer_id)
    return receivables, with_overdue


def _recent_orders(orders: Sequence[Order], window: timedelta) -> dict[int, list[RecentOrder]]:
    """Orders of the batch's customers created within the duplicate window of any of them
    (the batch's own included), with their line signatures (one query)."""
    if not orders:
        return {}
    earliest = min(o.created_at for o in orders) - window
    latest = max(o.created_at for o in orders) + window
    rows = (
        OrderLine.objects.filter(order__customer_id__in={o.customer_id for o in orders},
                                 order__created_at__gte=earliest, order__created_at__lte=latest)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("order_id", "order__customer_id", "order__number", "order__created_at", "product_id", "quantity")
    )
    lines: dict[int, list] = defaultdict(list)
    heads: dict[int, tuple] = {}
    for order_id, customer_id, number, created_at, product_id, quantity in rows:
        heads[order_id] = (customer_id, number, created_at)
        lines[order_id].append((product_id, quantity))
    recent: dict[int, list[RecentOrder]] = defaultdict(list)
    for order_id, (customer_id, number, created_at) in heads.items():
        recent[customer_id].append(RecentOrder(order_id, number, created_at, tuple(sorted(lines[order_id]))))
    for group in recent.values():
        group.sort(key=lambda o: (o.created_at, o.pk), reverse=True)  # the order list's newest first
    return recent


def outstanding_quantities(order: Order) -> dict:
    """Quantity per line still to be covered: ordered minus allocated or shipped (the lines
    carry ``covered``, see ``orders.services.batches``)."""
    return {line: line.quantity - line.covered for line in order.lines.all() if line.quantity > line.covered}


def check_stock(order: Order, ledger: StockLedger) -> CheckOutcome:
    shortages = ledger.shortages(outstanding_quantities(order), ledger.route_for_order(order))
    if not shortages:
        return CheckOutcome(Name.STOCK, CheckResult.PASS, "库存充足，所有商品行可立即分配")
    figures = {
        "short_lines": [
            {"line": s.line_no, "sku": s.sku, "required": s.required, "available": s.available, "missing": s.missing}
            for s in shortages
        ]
    }
    detail = "；".join(str(s) for s in shortages)
    if order.is_custom:
        return CheckOutcome(Name.STOCK, CheckResult.PASS, f"定制订单，缺货部分将安排生产：{detail}", figures)
    return CheckOutcome(Name.STOCK, CheckResult.WARN, f"库存不足：{detail}", figures)


def open_receivables(customer, *, exclude_order: Order | None = None) -> Decimal:
    """What the customer still owes on their orders: the sum of each order's balance due
    (cancelled and rejected orders bill nothing; money paid in excess on one order is
    owed back to the customer, it does not pay another), plus the opening receivable still
    open, less the customer's credit (客户余额: money kept for their next orders)."""
    orders = Order.objects.filter(customer=customer)
    if exclude_order is not None:
        orders = orders.exclude(pk=exclude_order.pk)
    total = orders.aggregate(due=Coalesce(Sum(BALANCE_DUE), Decimal("0")))["due"]
    # The opening receivable (positive) and the credit (negative) as the ageing lists them.
    today = today_of(None)
    beyond_orders = [*opening_open_items(customer_ids=[customer.pk], today=today),
                     *credit_open_items(customer_ids=[customer.pk], today=today)]
    return to_money(total + sum((item.amount for item in beyond_orders), Decimal("0")))


def check_credit(order: Order, facts: ReviewFacts) -> CheckOutcome:
    if order.is_replacement:
        return CheckOutcome(Name.CREDIT, CheckResult.PASS, f"换货订单（原订单 {order.replaces_order.number}），不另收费，免信用检查")
    customer = order.customer
    receivables = facts.receivables(order)
    exposure = receivables + order.balance_due
    figures = {
        "open_receivables": str(receivables),
        "this_order": str(order.balance_due),
        "exposure": str(exposure),
        "credit_limit": str(customer.credit_limit),
    }
    summary = (
        f"未结应收 {format_yuan(receivables)} + 本单 {format_yuan(order.balance_due)} = {format_yuan(exposure)}，"
        f"信用额度 {format_yuan(customer.credit_limit)}"
    )
    if exposure > customer.credit_limit:
        figures["excess"] = str(exposure - customer.credit_limit)
        return CheckOutcome(
            Name.CREDIT,
            CheckResult.BLOCK,
            f"信用额度不足：{summary}，超出 {format_yuan(exposure - customer.credit_limit)}。订单已冻结，需主管放行",
            figures,
        )
    return CheckOutcome(Name.CREDIT, CheckResult.PASS, f"额度内：{summary}", figures)


def overdue_orders(customer, *, now=None):
    """The customer's orders past their due date with money still owed (``orders.receivables``),
    oldest due first, with ``due`` (balance due) and ``due_from`` (delivered, else shipped)."""
    items = overdue_items_by_customer([customer.pk], today=today_of(now)).get(customer.pk, [])
    return (
        Order.objects.filter(pk__in=[item.order_id for item in items if item.kind == "order"])
        .annotate(due_from=DUE_FROM, due=BALANCE_DUE)
        .order_by("due_from", "id")
    )


def check_overdue(order: Order, facts: ReviewFacts) -> CheckOutcome:
    # An order under review is 待审核, never one of the overdue ones (not shipped: not due).
    customer = order.customer
    overdue = facts.overdue.get(order.customer_id, [])
    if not overdue:
        return CheckOutcome(Name.OVERDUE, CheckResult.PASS, "无逾期欠款")
    amount = sum((o.amount for o in overdue), Decimal("0.00"))
    oldest = overdue[0]
    days = oldest.days_past_due(facts.today)
    return CheckOutcome(
        Name.OVERDUE,
        CheckResult.WARN,
        f"逾期欠款：{len(overdue)} 笔应收超过账期 {customer.payment_terms_days} 天未付清，共 {format_yuan(amount)}"
        f"（最早 {oldest.reference} 已逾期 {days} 天）。需主管批准",
        {"orders": [o.reference for o in overdue], "amount": str(amount), "oldest_days_overdue": days},
        needs_override=True,
    )


def check_completeness(order: Order) -> CheckOutcome:
    problems = []
    if not (order.ship_province and order.ship_city):
        problems.append("收货地址缺少省或市")
    if len((order.ship_address or "").strip()) < 4:
        problems.append("详细地址过于简单，请补充街道和门牌号")
    if not order.contact_name.strip():
        problems.append("缺少联系人")
    if not is_valid_phone(order.contact_phone):
        problems.append(f"联系电话“{order.contact_phone}”不是有效的手机号或座机号")
    if order.invoice_type != InvoiceType.NONE and not order.invoice_title.strip():
        problems.append("开具发票但未填写发票抬头")
    if order.invoice_type == InvoiceType.SPECIAL and not order.customer.tax_number:
        problems.append("开具专票需要客户的纳税人识别号")
    if problems:
        return CheckOutcome(Name.COMPLETENESS, CheckResult.BLOCK, "资料不完整：" + "；".join(problems),
                            {"problems": problems})
    return CheckOutcome(Name.COMPLETENESS, CheckResult.PASS, "地址、电话、发票信息完整")


def line_signature(order: Order) -> tuple:
    return tuple(sorted((line.product_id, line.quantity) for line in order.lines.all()))


def check_duplicate(order: Order, facts: ReviewFacts) -> CheckOutcome:
    hours = facts.duplicate_window_hours
    if order.is_replacement:
        return CheckOutcome(Name.DUPLICATE, CheckResult.PASS, "换货订单")
    window = timedelta(hours=hours)
    signature = line_signature(order)
    if not signature:
        return CheckOutcome(Name.DUPLICATE, CheckResult.PASS, "订单没有商品行")
    twins = [
        other.number for other in facts.recent.get(order.customer_id, ())
        if other.pk != order.pk and other.signature == signature
        and order.created_at - window <= other.created_at <= order.created_at + window
    ]
    if twins:
        named = "、".join(twins[:5]) + (f" 等 {len(twins)} 张订单" if len(twins) > 5 else "")
        return CheckOutcome(
            Name.DUPLICATE,
            CheckResult.WARN,
            f"疑似重复订单：与 {named} 的客户、商品和数量完全相同（{hours} 小时内）",
            {"orders": twins, "window_hours": hours},
        )
    return CheckOutcome(Name.DUPLICATE, CheckResult.PASS, f"{hours} 小时内无相同订单")


def check_price(order: Order, facts: ReviewFacts) -> CheckOutcome:
    if order.is_replacement:
        return CheckOutcome(Name.PRICE, CheckResult.PASS, "换货订单，不另收费")
    limit = facts.max_manual_discount_percent
    problems = price_check_problems(order, max_discount_percent=limit)
    manual = sum(1 for line in order.lines.all() if line.price_source == "manual")
    if problems:
        return CheckOutcome(Name.PRICE, CheckResult.WARN, "价格需主管批准：" + "；".join(problems),
                            {"problems": problems, "max_discount_percent": str(limit)}, needs_override=True)
    if manual:
        return CheckOutcome(Name.PRICE, CheckResult.PASS, f"{manual} 行手工改价，均在允许范围内（不低于最低售价，让利不超过 {limit}%）")
    return CheckOutcome(Name.PRICE, CheckResult.PASS, "全部按价格规则定价")


def run_checks(order: Order, facts: ReviewFacts, ledger: StockLedger) -> list[CheckOutcome]:
    """Every check, in the order the order page lists them."""
    return with_stock_check(checks_but_stock(order, facts), check_stock(order, ledger))


def checks_but_stock(order: Order, facts: ReviewFacts) -> list[CheckOutcome]:
    """The checks that do not need the stock (a batch runs them before it locks the stock)."""
    return [
        check_completeness(order),
        check_credit(order, facts),
        check_overdue(order, facts),
        check_duplicate(order, facts),
        check_price(order, facts),
    ]


def with_stock_check(others: list[CheckOutcome], stock: CheckOutcome) -> list[CheckOutcome]:
    return [*others[:3], stock, *others[3:]]


def manual_review_reason(order: Order, *, threshold: Decimal | None = None) -> str:
    """Why a person must look at this order even if every check passes ('' if nobody must)."""
    if order.is_replacement:
        return ""
    if threshold is None:
        threshold = get_policy(MANUAL_REVIEW_THRESHOLD)
    reasons = []
    if order.total > threshold:
        reasons.append(f"订单金额 {format_yuan(order.total)} 超过人工审核阈值 {format_yuan(threshold)}")
    if order.is_custom:
        reasons.append("定制订单须人工审核")
    return "；".join(reasons)
