"""Receivables (应收账款): what each customer owes, item by item, and how old it is (账龄).

Pure reads. The review's overdue-debt check (``orders.review``), the finance ageing page and
the customer statements read the same open items from here.

An **open item** (应收明细) is one amount a customer owes — or, negative, is owed back — with
the date it falls due. The sources: each order's balance due (应收余额, ``BALANCE_DUE``; credit
notes and compensation lower it through ``returned_amount``) and money held beyond what an order
bills (多收待退, negative); the opening receivable still open (期初应收, due on its own date); the
customer's credit (客户余额, negative). Further kinds of entries join as more sources of the same
list: ``register_open_item_source`` (and ``register_ledger_source`` for the dated account), called
here or by a higher app in its ``AppConfig.ready()`` (this app never imports it).

The review reads these items for the customers its one query over the batch flags as overdue
(an order or an opening receivable past due; ``orders.review._receivables_outside``): a further
source's overdue items are listed for those customers, but do not flag a customer by themselves.

**Due date (到期日).** The local date (Asia/Shanghai) the goods were delivered, or shipped when
no delivery is recorded yet, plus the customer's payment terms (``payment_terms_days``). An
order not shipped yet has no due date: it is 未到期. **Days past due** are the calendar days
from the due date to today: an item is overdue from the day after its due date, and falls in
one of the buckets of ``AGEING_BUCKETS`` (未到期, 1–30, 31–60, 61–90, >90 days). Money owed back
(negative items) is never overdue: it is shown beside the buckets as 多收待退 and nets the total.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ordermgmt.money import to_money

from .models import (
    BALANCE_DUE,
    OVERPAID_AMOUNT,
    UNBILLED_STATUSES,
    UNPAID,
    CustomerCredit,
    OpeningReceivable,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    Refund,
    RefundStatus,
)

ZERO = Decimal("0.00")

# Orders whose goods have left: their balance falls due after the customer's payment terms.
PAYMENT_DUE_STATUSES = [
    OrderStatus.CLOSED,
    OrderStatus.SHIPPED,
    OrderStatus.IN_TRANSIT,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.AFTER_SALES,
]

# When an order falls due from: its delivery, else its shipment (the review reads it too).
DUE_FROM = Coalesce("delivered_at", "shipped_at")


@dataclass(frozen=True)
class AgeingBucket:
    key: str
    label: str
    min_days: int  # days past due, both ends included
    max_days: int | None


# The ageing columns, in order: a table read by the ageing page, its export and the checks.
AGEING_BUCKETS = [
    AgeingBucket("current", "未到期", -10**6, 0),
    AgeingBucket("d1_30", "逾期1–30天", 1, 30),
    AgeingBucket("d31_60", "逾期31–60天", 31, 60),
    AgeingBucket("d61_90", "逾期61–90天", 61, 90),
    AgeingBucket("d90_plus", "逾期90天以上", 91, None),
]


def bucket_of(days_past_due: int) -> AgeingBucket:
    for bucket in AGEING_BUCKETS:
        if days_past_due >= bucket.min_days and (bucket.max_days is None or days_past_due <= bucket.max_days):
            return bucket
    raise ValueError(days_past_due)  # pragma: no cover — the buckets cover every integer


@dataclass(frozen=True)
class OpenItem:
    customer_id: int
    kind: str  # "order", or the name a registered source gives its entries
    reference: str  # the document's number (订单号…)
    document_date: date
    amount: Decimal  # positive: owed by the customer; negative: owed back to the customer
    due_date: date | None  # None: not due yet (goods not shipped)
    order_id: int | None = None

    def days_past_due(self, today: date) -> int:
        if self.due_date is None or self.amount < 0:
            return 0
        return (today - self.due_date).days

    def is_overdue(self, today: date) -> bool:
        return self.days_past_due(today) > 0


# A source: (customer ids or None for all, today) → that source's open items of those customers.
OpenItemSource = Callable[..., Iterable[OpenItem]]
_sources: dict[str, OpenItemSource] = {}


def register_open_item_source(name: str, source: OpenItemSource) -> None:
    """Add a kind of entry to every customer's receivables (registering a name again replaces it)."""
    _sources[name] = source


def _local_date(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def order_open_items(*, customer_ids: Collection[int] | None, today: date) -> Iterable[OpenItem]:
    """Each order's balance due (due its customer's terms after delivery or shipment) and each
    order's money held beyond what it bills (多收待退, negative, never overdue)."""
    orders = Order.objects.filter(UNPAID | Q(paid_amount__gt=F("refunded_amount")))
    if customer_ids is not None:
        orders = orders.filter(customer_id__in=list(customer_ids))
    rows = (
        orders.annotate(due=BALANCE_DUE, overpaid=OVERPAID_AMOUNT, due_from=DUE_FROM)
        .filter(Q(due__gt=0) | Q(overpaid__gt=0))
        .values_list("pk", "customer_id", "number", "created_at", "status", "due", "overpaid", "due_from",
                     "customer__payment_terms_days")
    )
    for pk, customer_id, number, created_at, status, due, overpaid, due_from, terms in rows:
        placed = _local_date(created_at)
        if due > 0:
            shipped = _local_date(due_from) if status in PAYMENT_DUE_STATUSES else None
            due_date = shipped + timedelta(days=terms) if shipped is not None else None
            yield OpenItem(customer_id, "order", number, placed, to_money(due), due_date, pk)
        if overpaid > 0:
            yield OpenItem(customer_id, "overpaid", number, placed, -to_money(overpaid), None, pk)


register_open_item_source("orders", order_open_items)

OPENING_RECEIVABLE = "期初应收"


def opening_open_items(*, customer_ids: Collection[int] | None, today: date) -> Iterable[OpenItem]:
    """The opening receivable (期初应收) still open, due on its own due date."""
    openings = OpeningReceivable.objects.filter(amount__gt=F("settled_amount"))
    if customer_ids is not None:
        openings = openings.filter(customer_id__in=list(customer_ids))
    for opening in openings:
        yield OpenItem(opening.customer_id, "opening", OPENING_RECEIVABLE, opening.as_of, to_money(opening.outstanding),
                       opening.due_date)


def credit_open_items(*, customer_ids: Collection[int] | None, today: date) -> Iterable[OpenItem]:
    """The customer's credit (客户余额: over-payments, refunds kept for the next order): money
    the business holds for the customer, shown like 多收待退 (negative, never overdue)."""
    credits = CustomerCredit.objects.all()
    if customer_ids is not None:
        credits = credits.filter(customer_id__in=list(customer_ids))
    for customer_id, total in credits.values("customer_id").annotate(total=Sum("amount")).values_list(
            "customer_id", "total"):
        if total:
            yield OpenItem(customer_id, "credit", "客户余额", today, -to_money(total), None)


register_open_item_source("opening", opening_open_items)
register_open_item_source("credit", credit_open_items)


def open_items(*, customer_ids: Collection[int] | None = None, today: date | None = None) -> list[OpenItem]:
    """Every open item of these customers (all customers when None), from every source, oldest
    due first (items not due yet last)."""
    today = today or timezone.localdate()
    items = [item for source in _sources.values() for item in source(customer_ids=customer_ids, today=today)]
    items.sort(key=lambda i: (i.customer_id, i.due_date is None, i.due_date or date.max, i.document_date, i.reference))
    return items


def overdue_items_by_customer(customer_ids: Collection[int], *, today: date,
                              limit: int | None = None) -> dict[int, list[OpenItem]]:
    """Each customer's overdue items, oldest due first (at most ``limit`` each): what the
    review's overdue-debt check reads."""
    return overdue_by_customer(open_items(customer_ids=customer_ids, today=today), today=today, limit=limit)


def overdue_by_customer(items: list[OpenItem], *, today: date, limit: int | None = None) -> dict[int, list[OpenItem]]:
    """The overdue ones of ``items`` (as ``open_items`` sorts them) per customer."""
    overdue: dict[int, list[OpenItem]] = defaultdict(list)
    for item in items:
        if item.is_overdue(today) and (limit is None or len(overdue[item.customer_id]) < limit):
            overdue[item.customer_id].append(item)
    return dict(overdue)


@dataclass
class AgeingRow:
    """One customer's receivables by bucket."""

    customer_id: int
    buckets: dict[str, Decimal] = field(default_factory=lambda: {b.key: ZERO for b in AGEING_BUCKETS})
    owed_back: Decimal = ZERO  # 多收待退 (negative or zero)
    items: list[OpenItem] = field(default_factory=list)

    @property
    def receivable(self) -> Decimal:
        """What the customer owes on their open items (the buckets' sum)."""
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.receivable - self.buckets["current"]

    @property
    def net(self) -> Decimal:
        """The customer's balance: owed less owed back (the statement's closing balance)."""
        return self.receivable + self.owed_back

    def add(self, item: OpenItem, today: date) -> None:
        self.items.append(item)
        if item.amount < 0:
            self.owed_back += item.amount
        else:
            self.buckets[bucket_of(item.days_past_due(today)).key] += item.amount


def receivables_ageing(*, customer_ids: Collection[int] | None = None, today: date | None = None) -> dict[int, AgeingRow]:
    """Receivables ageing (应收账龄) per customer as of ``today``: customer id → its row."""
    today = today or timezone.localdate()
    rows: dict[int, AgeingRow] = {}
    for item in open_items(customer_ids=customer_ids, today=today):
        rows.setdefault(item.customer_id, AgeingRow(item.customer_id)).add(item, today)
    return rows


def today_of(now: datetime | None) -> date:
    """The local calendar day of a moment (now when None)."""
    return timezone.localdate(now) if now is not None else timezone.localdate()



# --- the customer's account, entry by entry (对账单 lines) ---------------------------------
# Every change of what a customer owes, dated: orders billed, cancellations, goods returned,
# payments, refunds. Summed up to a moment they give the customer's balance at that moment;
# summed over all time they equal the ageing's net balance (``AgeingRow.net``): the same
# definitions as BALANCE_DUE and OVERPAID_AMOUNT, spread over time. Further kinds of changes
# (credit notes, opening receivables) join with ``register_ledger_source``; invoices change
# nothing owed and are listed beside the entries by finance's statement (finance/statements.py).

@dataclass(frozen=True)
class LedgerEntry:
    customer_id: int
    at: datetime
    kind: str
    reference: str
    description: str
    debit: Decimal = ZERO  # raises what the customer owes
    credit: Decimal = ZERO  # lowers it

    @property
    def amount(self) -> Decimal:
        return self.debit - self.credit


# The kinds of entries and their labels, in the order a statement lists entries of one moment.
LEDGER_KINDS: dict[str, str] = {
    "opening": "期初应收",
    "order": "订单",
    "unbilled": "订单取消/驳回",
    "returned": "退货冲减",
    "invoice": "发票",
    "credit_note": "红字/贷项",
    "payment": "收款",
    "payment_reversed": "收款冲销",
    "refund": "退款",
    "customer_credit": "客户余额",
}

# A source: (customer id, until: entries strictly before this moment, or None for all) → entries.
LedgerSource = Callable[..., Iterable[LedgerEntry]]
_ledger_sources: dict[str, LedgerSource] = {}


def register_ledger_source(name: str, source: LedgerSource, *, kinds: dict[str, str] | None = None) -> None:
    """Add a kind of entry to every customer's account (``kinds``: its entry kinds and labels)."""
    _ledger_sources[name] = source
    LEDGER_KINDS.update(kinds or {})


def _before(queryset, field_name: str, until: datetime | None):
    return queryset.filter(**{f"{field_name}__lt": until}) if until is not None else queryset


def order_ledger_entries(*, customer_id: int, until: datetime | None) -> Iterable[LedgerEntry]:
    """Orders at their placing time; a cancelled or rejected order reversed when it stopped
    billing (its money moves, if any, stay listed); returns, payments and refunds at their time."""
    orders = Order.objects.filter(customer_id=customer_id).exclude(
        Q(status__in=UNBILLED_STATUSES) & Q(paid_amount=0, refunded_amount=0, returned_amount=0))
    for pk, number, placed, total, status, cancelled_at, changed_at, returned in _before(orders, "created_at", until) \
            .values_list("pk", "number", "created_at", "total", "status", "cancelled_at", "status_changed_at",
                         "returned_amount"):
        yield LedgerEntry(customer_id, placed, "order", number, f"订单 {number}", debit=total)
        stopped = cancelled_at or changed_at
        if status in UNBILLED_STATUSES and (until is None or stopped < until) and total > returned:
            label = OrderStatus(status).label
            yield LedgerEntry(customer_id, stopped, "unbilled", number, f"订单 {number} {label}",
                              credit=total - returned)
    payments = _before(Payment.objects.filter(order__customer_id=customer_id), "paid_at", until)
    for number, paid_at, amount, method, reference, reversed_at, why in payments.values_list(
            "order__number", "paid_at", "amount", "method", "reference", "reversed_at", "reversal_reason"):
        description = f"收款（{PaymentMethod(method).label}）" + (f" {reference}" if reference else "")
        yield LedgerEntry(customer_id, paid_at, "payment", number, description, credit=amount)
        if reversed_at is not None and (until is None or reversed_at < until):
            yield LedgerEntry(customer_id, reversed_at, "payment_reversed", number, f"收款冲销：{why}", debit=amount)
    refunds = _before(Refund.objects.filter(order__customer_id=customer_id), "refunded_at", until)
    for number, refunded_at, amount, credit, source, reason, status in refunds.values_list(
            "order__number", "refunded_at", "amount", "credit_amount", "source", "reason", "status"):
        label = Refund.Source(source).label
        if credit:
            yield LedgerEntry(customer_id, refunded_at, "returned", number, f"{label}：{reason}", credit=credit)
        # The money of a refund counts once paid out (a refund awaiting 财务's approval does not).
        if amount and status == RefundStatus.PAID:
            yield LedgerEntry(customer_id, refunded_at, "refund", number, f"退款（{label}）：{reason}", debit=amount)


register_ledger_source("orders", order_ledger_entries)


def opening_ledger_entries(*, customer_id: int, until: datetime | None) -> Iterable[LedgerEntry]:
    """The opening receivable on its date. What was received against it is listed by the app
    that matches the money (finance's reconciliation registers those dated entries)."""
    for opening in OpeningReceivable.objects.filter(customer_id=customer_id):
        at = timezone.make_aware(datetime.combine(opening.as_of, datetime.min.time()))
        if until is None or at < until:
            yield LedgerEntry(customer_id, at, "opening", OPENING_RECEIVABLE, opening.note or "期初应收",
                              debit=opening.amount)


def credit_ledger_entries(*, customer_id: int, until: datetime | None) -> Iterable[LedgerEntry]:
    """Changes of the customer's credit (客户余额): money kept for the customer lowers what they
    owe, its use or payout raises it again (a use is also a payment on an order: the two net)."""
    credits = _before(CustomerCredit.objects.filter(customer_id=customer_id), "created_at", until)
    for at, kind, amount, reference, reason, number in credits.values_list(
            "created_at", "kind", "amount", "reference", "reason", "order__number"):
        description = f"{CustomerCredit.Kind(kind).label}" + (f"：{reason}" if reason else "")
        entry = {"credit": amount} if amount > 0 else {"debit": -amount}
        yield LedgerEntry(customer_id, at, "customer_credit", number or reference, description, **entry)


register_ledger_source("opening", opening_ledger_entries)
register_ledger_source("credit", credit_ledger_entries)


def ledger_entries(*, customer_id: int, until: datetime | None = None) -> list[LedgerEntry]:
    """The customer's account, every source, in time order (entries strictly before ``until``)."""
    kinds = list(LEDGER_KINDS)
    entries = [e for source in _ledger_sources.values() for e in source(customer_id=customer_id, until=until)]
    entries.sort(key=lambda e: (e.at, kinds.index(e.kind) if e.kind in kinds else len(kinds), e.reference))
    return entries


def balance_at(*, customer_id: int, moment: datetime | None = None) -> Decimal:
    """What the customer owes (net of what is owed back) just before ``moment`` (now when None)."""
    return sum((e.amount for e in ledger_entries(customer_id=customer_id, until=moment)), ZERO)
