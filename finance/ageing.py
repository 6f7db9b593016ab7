"""The receivables ageing page (应收账龄): ``orders.receivables`` per customer, with the
customer's name and 负责销售 (owner), filtered and summed per owner for the page and its export."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from customers.models import Customer
from customers.selectors import customers_visible_to
from orders.receivables import AGEING_BUCKETS, AgeingRow, receivables_ageing

ZERO = Decimal("0.00")


@dataclass
class CustomerAgeing:
    customer: Customer
    row: AgeingRow

    @property
    def owner_name(self) -> str:
        owner = self.customer.owner
        return (owner.get_full_name() or owner.username) if owner else "（无负责人）"

    @property
    def bucket_amounts(self) -> list[Decimal]:
        return [self.row.buckets[b.key] for b in AGEING_BUCKETS]


@dataclass
class AgeingTotals:
    label: str
    buckets: dict[str, Decimal]
    owed_back: Decimal
    customers: int

    @property
    def bucket_amounts(self) -> list[Decimal]:
        return [self.buckets[b.key] for b in AGEING_BUCKETS]

    @property
    def receivable(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def net(self) -> Decimal:
        return self.receivable + self.owed_back

    def add(self, line: CustomerAgeing) -> None:
        for key, amount in line.row.buckets.items():
            self.buckets[key] += amount
        self.owed_back += line.row.owed_back
        self.customers += 1


def _empty(label: str) -> AgeingTotals:
    return AgeingTotals(label, {b.key: ZERO for b in AGEING_BUCKETS}, ZERO, 0)


def ageing_report(user, *, today: date | None = None, owner_id: int | None = None, overdue_only: bool = False,
                  min_bucket: str = "", query: str = "") -> dict:
    """The ageing lines the user may see (their visible customers), biggest overdue first,
    with totals per owner and overall."""
    today = today or timezone.localdate()
    customers = customers_visible_to(user).select_related("owner")
    if owner_id:
        customers = customers.filter(owner_id=owner_id)
    if query:
        customers = customers.filter(name__icontains=query.strip()) | customers.filter(code=query.strip().upper())
    customers = {c.pk: c for c in customers}
    rows = receivables_ageing(customer_ids=list(customers), today=today)
    keys = [b.key for b in AGEING_BUCKETS]
    lines = []
    for customer_id, row in rows.items():
        if overdue_only and row.overdue <= 0:
            continue
        if min_bucket in keys and not any(row.buckets[k] > 0 for k in keys[keys.index(min_bucket):]):
            continue
        lines.append(CustomerAgeing(customers[customer_id], row))
    lines.sort(key=lambda line: (-line.row.overdue, -line.row.receivable, line.customer.code))
    owners: dict[str, AgeingTotals] = {}
    total = _empty("合计")
    for line in lines:
        owners.setdefault(line.owner_name, _empty(line.owner_name)).add(line)
        total.add(line)
    return {"today": today, "buckets": AGEING_BUCKETS, "lines": lines,
            "owners": sorted(owners.values(), key=lambda t: -t.receivable), "total": total}
