"""Customer statements (对账单): a customer's account over a period, computed on demand.

Opening balance = every entry of the customer's account (``orders.receivables.ledger_entries``)
before the period's first day (00:00 Asia/Shanghai); then the period's entries, each with the
running balance; closing balance = opening + the period's debits − its credits. Over all time
the closing balance equals the customer's net balance in the receivables ageing
(``AgeingRow.net``: what they owe less what is owed back to them).

The period's issued invoices — blue, and red (红字, negative) — are listed beside the entries,
for the customer's own books (their input VAT). They are not entries of the account: an
invoice documents what an order already billed, so it moves neither the running balance nor
the closing balance. (Not a ``register_ledger_source`` of kind "invoice": an entry of that
ledger is by definition a change of what is owed — ``balance_at`` and the ageing check sum
them — and an invoice is dated by its 开票日期, not by a moment of the account.)
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from orders.receivables import LEDGER_KINDS, LedgerEntry, ledger_entries

from .models import INVOICED_STATUSES, Invoice

ZERO = Decimal("0.00")


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class StatementLine:
    entry: LedgerEntry
    balance: Decimal

    @property
    def kind_label(self) -> str:
        return LEDGER_KINDS.get(self.entry.kind, self.entry.kind)

    @property
    def day(self) -> date:
        return timezone.localdate(self.entry.at)


@dataclass
class Statement:
    customer: object
    start: date
    end: date
    opening: Decimal
    lines: list[StatementLine] = field(default_factory=list)
    # Issued in the period, by 开票日期 (information only: see the module's docstring).
    invoices: list[Invoice] = field(default_factory=list)

    @property
    def invoiced_total(self) -> Decimal:
        """价税合计 invoiced in the period, net of its red invoices."""
        return sum((invoice.total for invoice in self.invoices), ZERO)

    @property
    def debits(self) -> Decimal:
        return sum((line.entry.debit for line in self.lines), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((line.entry.credit for line in self.lines), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debits - self.credits

    def totals_by_kind(self) -> list[tuple[str, Decimal, Decimal]]:
        """(label, debits, credits) per kind of entry of the period, in the kinds' order."""
        sums: dict[str, list[Decimal]] = {}
        for line in self.lines:
            pair = sums.setdefault(line.entry.kind, [ZERO, ZERO])
            pair[0] += line.entry.debit
            pair[1] += line.entry.credit
        order = list(LEDGER_KINDS)
        return [(LEDGER_KINDS.get(kind, kind), d, c) for kind, (d, c) in
                sorted(sums.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))]


def customer_statement(customer, *, start: date, end: date) -> Statement:
    """The statement of ``customer`` for the days [start, end] (both included)."""
    until = day_start(end + timedelta(days=1))
    entries = ledger_entries(customer_id=customer.pk, until=until)
    period_start = day_start(start)
    opening = sum((e.amount for e in entries if e.at < period_start), ZERO)
    statement = Statement(customer=customer, start=start, end=end, opening=opening)
    balance = opening
    for entry in entries:
        if entry.at >= period_start:
            balance += entry.amount
            statement.lines.append(StatementLine(entry, balance))
    statement.invoices = issued_invoices(customer, start=start, end=end)
    return statement


def issued_invoices(customer, *, start: date, end: date) -> list[Invoice]:
    """The customer's invoices issued on the days [start, end] — a blue one reversed later
    too (it was issued), its red one in the period of the red one's own date."""
    return list(Invoice.objects.filter(customer=customer, status__in=INVOICED_STATUSES, issued_on__range=(start, end))
                .select_related("reverses").order_by("issued_on", "id"))


def default_period(today: date | None = None) -> tuple[date, date]:
    """The month so far (the 1st to today)."""
    today = today or timezone.localdate()
    return today.replace(day=1), today
