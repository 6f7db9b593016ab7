"""Gross margin (毛利) of the orders placed in a period — per order, customer, product, owner
and channel. Shown to finance and the 主管 only (``reports.view_margin``).

- Orders: placed in the period (as 成交额), not cancelled or rejected.
- Revenue (销售收入, without VAT): the lines' amount net of discounts (``orders.costing``),
  less the goods returned and refunded (退货: their units at the line's net price), less
  compensation and complaint goodwill (赔偿/投诉补偿: the credit note and any money paid back
  beyond it, as the report's 成交额 counts them, without the order's VAT), plus the freight
  charged to the customer (运费收入, without VAT).
- Cost (销售成本): ``orders.costing`` — the FIFO batches actually allocated, at their purchase
  price or else the standard cost; goods not allocated yet at standard cost. A returned unit's
  cost (the line's average) comes back once the goods passed inspection and went back into
  sellable stock (the case's 收货检验合格); goods that never came back (少件) or went to quarantine
  stay costed.
- Freight and compensation belong to an order, not to a product: the per-product figures are
  the goods' (less their returns); every other breakdown adds up to the total.

Every figure is a grouped query joined from its rows (no ``IN (subquery)`` chains: PostgreSQL
once planned one of those as nested sequential scans for over 20 minutes).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from aftersales.models import CaseEvent, CaseLine, CaseStatus, Service
from customers.models import Customer
from ordermgmt.money import to_money
from orders.costing import NO_MARGIN, Margin, margin_by, uncosted_quantity
from orders.models import UNBILLED_STATUSES, Channel, Order, OrderLine, Refund

from .periods import bounds

LISTED = 20  # customers and products by revenue, orders by lowest margin rate
ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=16, decimal_places=2)

# Money given back without goods coming back, as the report's 成交额 nets it
# (``reports.metrics.MONEY_GIVEN_BACK``): the credit note, and what was paid back beyond it.
COMPENSATION_SOURCES = [Refund.Source.COMPENSATION, Refund.Source.GOODWILL]
_COMPENSATED = ExpressionWrapper(
    F("credit_amount") + Greatest(ExpressionWrapper(F("amount") - F("credit_amount"), output_field=_MONEY), Value(ZERO)),
    output_field=_MONEY,
)
# A return is refunded when its case reached 已处理 (``case_refund``); its goods are back in
# sellable stock when the case passed inspection (``case_receive``).
REFUNDED = [CaseStatus.RESOLVED, CaseStatus.CLOSED]
RESTOCKED_ACTION = "pass_inspection"
# The breakdowns that are a field of the order (order-level money can be put in them).
ORDER_FIELDS = {"order_id": "pk", "order__customer_id": "customer_id", "order__owner_id": "owner_id",
                "order__channel": "channel"}


def _placed(low, high, prefix: str = "") -> Q:
    """The report's orders, from a row ``prefix`` away from the order (joined, not nested)."""
    return Q(**{f"{prefix}created_at__gte": low, f"{prefix}created_at__lt": high}) & ~Q(
        **{f"{prefix}status__in": UNBILLED_STATUSES})


@dataclass
class AfterSale:
    """What changed the orders' revenue and cost after the sale, and their freight."""

    returned: dict[int, Margin] = field(default_factory=dict)  # order line → revenue and cost gone with returns
    compensation: dict[int, Decimal] = field(default_factory=dict)  # order → compensation without VAT
    freight: dict[int, Decimal] = field(default_factory=dict)  # order → freight charged without VAT

    @classmethod
    def of(cls, low, high) -> "AfterSale":
        return cls(returned=_returned(low, high), compensation=_compensation(low, high),
                   freight=dict(Order.objects.filter(_placed(low, high), freight_amount__gt=0)
                                .values_list("pk", "freight_amount")))

    def parts(self, goods: Decimal) -> dict:
        """The total revenue as goods − returns − compensation + freight."""
        returns = sum((m.revenue for m in self.returned.values()), ZERO)
        return {"goods": goods, "returns": -returns, "compensation": -sum(self.compensation.values(), ZERO),
                "freight": sum(self.freight.values(), ZERO)}

    def apply(self, margins: dict, key: str) -> dict:
        """``margins`` of the goods (``margin_by(lines, key)``) net of what happened after the sale."""
        result = defaultdict(lambda: NO_MARGIN, margins)
        if self.returned:
            for line, value in OrderLine.objects.filter(pk__in=list(self.returned)).values_list("pk", key):
                result[value] -= self.returned[line]
        if key in ORDER_FIELDS:
            by_order = defaultdict(lambda: NO_MARGIN)
            for order, amount in self.freight.items():
                by_order[order] += Margin(amount, ZERO)
            for order, amount in self.compensation.items():
                by_order[order] -= Margin(amount, ZERO)
            values = self._order_values(list(by_order), ORDER_FIELDS[key])
            for order, change in by_order.items():
                result[values[order]] += change
        return dict(result)

    @staticmethod
    def _order_values(orders: list[int], name: str) -> dict:
        if name == "pk" or not orders:
            return {pk: pk for pk in orders}
        return dict(Order.objects.filter(pk__in=orders).values_list("pk", name))


def _returned(low, high) -> dict[int, Margin]:
    """Per order line: the revenue of its refunded returned units, and the cost of those back in stock."""
    rows = list(CaseLine.objects.filter(
        _placed(low, high, "order_line__order__"), case__service=Service.RETURN_REFUND, case__status__in=REFUNDED,
    ).values_list("order_line_id", "order_line__quantity", "case_id", "quantity").order_by())
    if not rows:
        return {}
    restocked = set(CaseEvent.objects.filter(case_id__in={case for _, _, case, _ in rows}, action=RESTOCKED_ACTION)
                    .values_list("case_id", flat=True))
    lines = margin_by(OrderLine.objects.filter(pk__in={line for line, *_ in rows}), "pk")
    returned = defaultdict(lambda: NO_MARGIN)
    for line, ordered, case, quantity in rows:
        goods = lines.get(line, NO_MARGIN).share(quantity, ordered)
        returned[line] += goods if case in restocked else Margin(goods.revenue, ZERO)
    return dict(returned)


def _compensation(low, high) -> dict[int, Decimal]:
    """Per order: compensation and goodwill given, without VAT (in the order's own VAT proportion)."""
    rows = (Refund.objects.filter(_placed(low, high, "order__"), source__in=COMPENSATION_SOURCES)
            .values("order_id", "order__subtotal", "order__total")
            .annotate(given=Coalesce(Sum(_COMPENSATED), Value(ZERO), output_field=_MONEY)).order_by())
    return {row["order_id"]: row["given"] * row["order__subtotal"] / row["order__total"] if row["order__total"]
            else row["given"] for row in rows if row["given"]}


def _row(label: str, margin: Margin, **extra) -> dict:
    return {"label": label, "revenue": str(to_money(margin.revenue)), "cost": str(to_money(margin.cost)),
            "margin": str(to_money(margin.margin)), "rate": margin.rate, **extra}


def _listed(margins: dict, *, limit: int | None = None, lowest_rate: bool = False) -> list[tuple]:
    """``(key, Margin)`` by revenue (or lowest margin rate first), the first ``limit`` of them."""
    items = list(margins.items())
    if lowest_rate:
        items.sort(key=lambda kv: (kv[1].rate if kv[1].rate is not None else 0, -kv[1].revenue))
    else:
        items.sort(key=lambda kv: -kv[1].revenue)
    return items[:limit]


def _rows(items: list[tuple], labels: dict) -> list[dict]:
    return [_row(str(labels.get(key) or "（无）"), margin) for key, margin in items]


def margin_report(start: date, end: date) -> dict:
    low, high = bounds(start, end)
    lines = OrderLine.objects.filter(_placed(low, high, "order__"))
    after_sale = AfterSale.of(low, high)

    def by(key: str) -> dict:
        return after_sale.apply(margin_by(lines, key), key)

    goods = margin_by(lines, "order_id")
    by_order = after_sale.apply(goods, "order_id")
    total = Margin(sum((m.revenue for m in by_order.values()), ZERO), sum((m.cost for m in by_order.values()), ZERO))
    by_owner = by("order__owner_id")
    users = get_user_model().objects.filter(pk__in=[k for k in by_owner if k])
    # Only the listed customers, products and orders are named: a month's orders are many.
    customers = _listed(by("order__customer_id"), limit=LISTED)
    products = _listed(by("product_id"), limit=LISTED)
    lowest = _listed(by_order, limit=LISTED, lowest_rate=True)
    parts = after_sale.parts(sum((m.revenue for m in goods.values()), ZERO))
    return {
        "total": _row("合计", total),
        "revenue_parts": {name: str(to_money(amount)) for name, amount in parts.items()},
        "uncosted_quantity": uncosted_quantity(lines),
        "channel": _rows(_listed(by("order__channel")), dict(Channel.choices)),
        "owner": _rows(_listed(by_owner), {u.pk: u.get_full_name() or u.username for u in users}),
        "customer": _rows(customers, dict(Customer.objects.filter(pk__in=[k for k, _ in customers])
                                          .values_list("pk", "name"))),
        "product": _rows(products, {pk: f"{sku} {name}" for pk, sku, name in lines.filter(
            product_id__in=[k for k, _ in products]).values_list("product_id", "product_sku", "product_name").distinct()}),
        "order": _rows(lowest, dict(Order.objects.filter(pk__in=[k for k, _ in lowest]).values_list("pk", "number"))),
    }
