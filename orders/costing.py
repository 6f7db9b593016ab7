"""Cost of goods sold (销售成本) of order lines, from the FIFO batches actually used.

A line's goods are costed at allocation: each of its stock allocations (``StockAllocation``,
still reserved or shipped — a released one no longer counts) costs its quantity × the batch's
purchase price (``StockBatch.unit_cost``), or × the product's standard cost (``Product.
standard_cost``, kept by finance) when the batch has none. The quantity of a line not yet
allocated is costed at the standard cost (an estimate until the goods are allocated). Goods
with neither price count as uncosted (reported, so that finance can enter a standard cost).
Revenue is the lines' amount net of discounts, without VAT (costs are without VAT too).
What happens after the sale (returns, compensation) and freight are the order's, netted by
the report that reads these figures (``reports.margin``).

Pure reads, aggregated in the database per any key of the order line (``order_id``,
``product_id``, ``order__customer_id``, ``order__owner_id``, ``order__channel``…).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from inventory.models import StockAllocation

from .models import OrderLine

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=18, decimal_places=2)
COSTED_STATES = [StockAllocation.State.ACTIVE, StockAllocation.State.CONSUMED]


def _money_sum(expression) -> Coalesce:
    return Coalesce(Sum(ExpressionWrapper(expression, output_field=_MONEY)), Value(ZERO), output_field=_MONEY)


_STANDARD = Coalesce(F("product__standard_cost"), Value(ZERO), output_field=_MONEY)
# A batch is of its line's product: the line's standard cost is the batch's.
_LINE_BATCH_UNIT_COST = Coalesce(F("allocations__batch__unit_cost"), F("product__standard_cost"), Value(ZERO),
                                 output_field=_MONEY)


@dataclass(frozen=True)
class Margin:
    revenue: Decimal
    cost: Decimal

    def __add__(self, other: "Margin") -> "Margin":
        return Margin(self.revenue + other.revenue, self.cost + other.cost)

    def __sub__(self, other: "Margin") -> "Margin":
        return Margin(self.revenue - other.revenue, self.cost - other.cost)

    def share(self, part: int, whole: int) -> "Margin":
        """``part`` of ``whole`` units of these goods (returned units of a line, say)."""
        return Margin(self.revenue * part / whole, self.cost * part / whole) if whole else NO_MARGIN

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def rate(self) -> float | None:
        return round(float(self.margin / self.revenue), 4) if self.revenue else None


NO_MARGIN = Margin(ZERO, ZERO)


def margin_by(lines: QuerySet[OrderLine], key: str) -> dict:
    """key value → ``Margin`` of ``lines`` grouped by ``key`` (a path from the order line)."""
    line_rows = lines.values(key).annotate(
        revenue=_money_sum(F("amount") - F("discount")),
        standard=_money_sum(F("quantity") * _STANDARD),
    ).order_by()
    # Joined from the lines (the allocations' order_line index), not ``order_line IN (subquery)``:
    # PostgreSQL planned that as a nested loop of sequential scans in a test transaction whose
    # tables it believed empty, and one month's report ran for over 20 minutes in CI.
    allocated = {
        row[key]: row for row in lines.filter(allocations__state__in=COSTED_STATES).values(key).annotate(
            cost=_money_sum(F("allocations__quantity") * _LINE_BATCH_UNIT_COST),
            standard=_money_sum(F("allocations__quantity") * _STANDARD),
        ).order_by()
    }
    result = {}
    for row in line_rows:
        batches = allocated.get(row[key], {"cost": ZERO, "standard": ZERO})
        # allocated goods at their batches' cost + the rest of the lines at standard cost
        result[row[key]] = Margin(row["revenue"], batches["cost"] + row["standard"] - batches["standard"])
    return result


def uncosted_quantity(lines: QuerySet[OrderLine]) -> int:
    """Units of ``lines`` with neither a batch purchase price nor a standard cost."""
    no_standard = lines.filter(product__standard_cost__isnull=True)
    ordered = no_standard.aggregate(n=Coalesce(Sum("quantity"), 0))["n"]
    priced = no_standard.filter(
        allocations__state__in=COSTED_STATES, allocations__batch__unit_cost__isnull=False,
    ).aggregate(n=Coalesce(Sum("allocations__quantity"), 0))["n"]
    return max(ordered - priced, 0)
