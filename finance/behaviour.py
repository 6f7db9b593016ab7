"""Payment behaviour (付款表现) of a customer over the last 12 months, and the credit limit it
suggests (建议信用额度) — shown to the 主管 beside the current limit on the customer page.

Definitions (the window is the 12 months up to today):

- **Orders due**: the customer's orders whose due date (``orders.receivables``: delivery, else
  shipment day + payment terms) fell in the window, or is still to come but already paid, and
  that bill something. An order neither paid nor due yet is left out (nothing is decided yet).
- **Paid on** the day the payments of the order first reached what it bills; an order still
  unpaid after its due date counts as late by the days up to today.
- **Days late** = max(0, paid day − due date). **Average days late** is over the orders due;
  **share paid on time** = orders with 0 days late / orders due.
- **Disputed amount** (争议金额): what after-sales cases and complaints took off the customer's
  orders in the window — each such refund's larger of money paid back and receivable written
  off (售后 and 投诉补偿 refunds; a logistics 赔偿 is the carrier's fault, not a dispute).
- **Suggested limit** = average monthly billing × (payment terms + 30 days) / 30 — the exposure
  of one normal cycle — times the factor of the first row of ``BEHAVIOUR_GRADES`` the customer
  meets, less 10% when disputes exceed 10% of the billing, rounded up to ¥1,000.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from orders.models import BILLED_AMOUNT, Order, Payment, Refund
from orders.receivables import PAYMENT_DUE_STATUSES

ZERO = Decimal("0.00")
WINDOW_DAYS = 365
DISPUTE_SOURCES = [Refund.Source.AFTER_SALES, Refund.Source.GOODWILL]
DISPUTE_SHARE_LIMIT = Decimal("0.10")
DISPUTE_FACTOR = Decimal("0.9")
LIMIT_STEP = Decimal("1000")


@dataclass(frozen=True)
class Grade:
    label: str
    min_on_time_share: Decimal
    max_average_days_late: Decimal | None
    factor: Decimal


# The grades, best first: the first whose both conditions hold applies.
BEHAVIOUR_GRADES = [
    Grade("按时付款", Decimal("0.90"), Decimal("5"), Decimal("1.5")),
    Grade("基本按时", Decimal("0.75"), Decimal("15"), Decimal("1.2")),
    Grade("偶有拖欠", Decimal("0.50"), Decimal("30"), Decimal("1.0")),
    Grade("经常拖欠", Decimal("0"), Decimal("60"), Decimal("0.7")),
    Grade("严重拖欠", Decimal("0"), None, Decimal("0.5")),
]


@dataclass(frozen=True)
class PaymentBehaviour:
    orders_due: int
    paid_on_time: int
    average_days_late: Decimal | None
    disputed_amount: Decimal
    billed_in_window: Decimal
    grade: Grade | None
    suggested_limit: Decimal | None

    @property
    def on_time_share(self) -> Decimal | None:
        return (Decimal(self.paid_on_time) / self.orders_due).quantize(Decimal("0.01")) if self.orders_due else None

    @property
    def on_time_percent(self) -> int | None:
        share = self.on_time_share
        return int(share * 100) if share is not None else None


def _grade(on_time: Decimal, average_late: Decimal) -> Grade:
    for grade in BEHAVIOUR_GRADES:
        if on_time >= grade.min_on_time_share and (grade.max_average_days_late is None
                                                   or average_late <= grade.max_average_days_late):
            return grade
    return BEHAVIOUR_GRADES[-1]


def _paid_days(order_billed: dict[int, Decimal], *, until: date) -> dict[int, date]:
    """Order → the day its payments first reached what it bills (a reversed payment — booked
    against the wrong order, or never received — paid nothing)."""
    paid: dict[int, date] = {}
    running: dict[int, Decimal] = {}
    for order_id, amount, paid_at in (Payment.objects.filter(order_id__in=list(order_billed), reversed_at__isnull=True)
                                      .order_by("paid_at", "id").values_list("order_id", "amount", "paid_at")):
        if order_id in paid:
            continue
        running[order_id] = running.get(order_id, ZERO) + amount
        if running[order_id] >= order_billed[order_id]:
            day = timezone.localdate(paid_at)
            if day <= until:
                paid[order_id] = day
    return paid


def payment_behaviour(customer, *, today: date | None = None) -> PaymentBehaviour:
    today = today or timezone.localdate()
    window_start = today - timedelta(days=WINDOW_DAYS)
    terms = timedelta(days=customer.payment_terms_days)
    rows = (
        Order.objects.filter(customer=customer, status__in=PAYMENT_DUE_STATUSES)
        .annotate(billed=BILLED_AMOUNT, due_from=Coalesce("delivered_at", "shipped_at"))
        .filter(billed__gt=0, due_from__isnull=False)
        .values_list("pk", "billed", "due_from")
    )
    due_dates, billed = {}, {}
    for pk, amount, due_from in rows:
        due = timezone.localdate(due_from) + terms
        if due > window_start:
            due_dates[pk], billed[pk] = due, amount
    paid = _paid_days(billed, until=today)
    # Not due yet and not paid yet: undecided, left out.
    decided = {pk: due for pk, due in due_dates.items() if due <= today or pk in paid}
    days_late = [max(0, ((paid.get(pk) or today) - due).days) for pk, due in decided.items()]
    on_time = sum(1 for days in days_late if days == 0)
    average = (Decimal(sum(days_late)) / len(days_late)).quantize(Decimal("0.1")) if days_late else None
    disputed = _disputed(customer, since=window_start)
    billed_in_window = _billed_since(customer, window_start)
    grade = suggested = None
    if days_late:
        grade = _grade(Decimal(on_time) / len(days_late), average)
        suggested = _suggested_limit(customer, billed_in_window, disputed, grade)
    return PaymentBehaviour(len(days_late), on_time, average, disputed, billed_in_window, grade, suggested)


def _disputed(customer, *, since: date) -> Decimal:
    refunds = Refund.objects.filter(order__customer=customer, source__in=DISPUTE_SOURCES,
                                    refunded_at__date__gt=since)
    return sum((value for value in refunds.annotate(value=Greatest("amount", "credit_amount"))
                .values_list("value", flat=True)), ZERO)


def _billed_since(customer, since: date) -> Decimal:
    orders = Order.objects.filter(customer=customer, created_at__date__gt=since).filter(~Q(total=0))
    return sum((value for value in orders.annotate(value=BILLED_AMOUNT).values_list("value", flat=True)), ZERO)


def _suggested_limit(customer, billed: Decimal, disputed: Decimal, grade: Grade) -> Decimal:
    monthly = billed / 12
    limit = monthly * (customer.payment_terms_days + 30) / 30 * grade.factor
    if billed and disputed / billed > DISPUTE_SHARE_LIMIT:
        limit *= DISPUTE_FACTOR
    return (limit / LIMIT_STEP).to_integral_value(rounding=ROUND_CEILING) * LIMIT_STEP
