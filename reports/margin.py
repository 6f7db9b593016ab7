"""Gross margin (毛利) of the orders placed in a period — per order, customer, product, owner
and channel. Shown to finance and the 主管 only (``reports.view_margin``).

- Orders: placed in the period (as 成交额), not cancelled or rejected.
- Revenue (销售收入): the lines' amount net of discounts, without VAT; freight is left out.
- Cost (销售成本): ``orders.costing`` — the FIFO batches actually allocated, at their purchase
  price or else the standard cost; goods not allocated yet at standard cost.
- Returns and compensation are not netted here (成交额 shows them); margin is on goods sold.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model

from customers.models import Customer
from ordermgmt.money import to_money
from orders.costing import Margin, margin_by, uncosted_quantity
from orders.models import UNBILLED_STATUSES, Channel, Order, OrderLine

from .periods import bounds

LISTED = 20  # customers and products by revenue, orders by lowest margin rate


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
    orders = Order.objects.filter(created_at__gte=low, created_at__lt=high).exclude(status__in=UNBILLED_STATUSES)
    lines = OrderLine.objects.filter(order__in=orders.values("pk"))
    by_order = margin_by(lines, "order_id")
    total = Margin(sum((m.revenue for m in by_order.values()), Decimal("0.00")),
                   sum((m.cost for m in by_order.values()), Decimal("0.00")))
    by_owner = margin_by(lines, "order__owner_id")
    users = get_user_model().objects.filter(pk__in=[k for k in by_owner if k])
    # Only the listed customers, products and orders are named: a month's orders are many.
    customers = _listed(margin_by(lines, "order__customer_id"), limit=LISTED)
    products = _listed(margin_by(lines, "product_id"), limit=LISTED)
    lowest = _listed(by_order, limit=LISTED, lowest_rate=True)
    return {
        "total": _row("合计", total),
        "uncosted_quantity": uncosted_quantity(lines),
        "channel": _rows(_listed(margin_by(lines, "order__channel")), dict(Channel.choices)),
        "owner": _rows(_listed(by_owner), {u.pk: u.get_full_name() or u.username for u in users}),
        "customer": _rows(customers, dict(Customer.objects.filter(pk__in=[k for k, _ in customers])
                                          .values_list("pk", "name"))),
        "product": _rows(products, {pk: f"{sku} {name}" for pk, sku, name in lines.filter(
            product_id__in=[k for k, _ in products]).values_list("product_id", "product_sku", "product_name").distinct()}),
        "order": _rows(lowest, dict(Order.objects.filter(pk__in=[k for k, _ in lowest]).values_list("pk", "number"))),
    }
