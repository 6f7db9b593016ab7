"""The monthly order review: every figure is a database aggregation over a period.

Periods are calendar days in Asia/Shanghai, start and end both included. Definitions:

- 订单量: orders placed in the period (created_at), any status.
- 成交额: Σ total of the orders placed in the period that are not cancelled, less the value of
  returned goods (``returned_amount``) and less compensation and complaint goodwill refunds —
  i.e. net of refunds.
- 客单价: 成交额 / number of those orders.
- 履约时效: hours from created to delivered, over the orders delivered in the period; per stage
  over the same orders: review (created → approved), allocation (approved → allocated),
  warehouse (allocated → shipped), transit (shipped → delivered). Average, median, P90.
- 准时交付率: orders delivered in the period on or before their requested date, over those
  delivered in the period that had a requested date.
- 异常率: of the orders placed in the period, those with a logistics exception, those rejected
  (驳回) at least once, those with an after-sales case — each counted on its own.
- 取消率 / 退货率: cancelled orders / orders placed; orders with returned goods / orders placed.
- 缺货商品: purchase requests raised in the period (shortage at allocation), by product.
- 投诉: the service desk's complaint analysis of the period (``servicedesk.analysis``).
- 毛利: revenue without VAT less the cost of the FIFO batches used, per order, customer,
  product, owner and channel (``reports.margin``); shown to finance and the 主管 only.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, connections
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest, TruncDate, TruncMonth
from django.utils import timezone

from customers.models import CustomerLevel
from inventory.models import PurchaseRequest
from ordermgmt.money import to_money
from orders.models import Channel, Order, OrderEvent, OrderLine, OrderStatus, Refund

from . import sources
from .margin import margin_report
from .aggregates import duration_stats, duration_stats_many
from .periods import bounds, month_range, previous_month, same_month_last_year

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)


def _money(value) -> str:
    return str(to_money(value or ZERO))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def placed(start: date, end: date):
    low, high = bounds(start, end)
    return Order.objects.filter(created_at__gte=low, created_at__lt=high)


def delivered(start: date, end: date):
    low, high = bounds(start, end)
    return Order.objects.filter(delivered_at__gte=low, delivered_at__lt=high)


NET_ORDER_VALUE = ExpressionWrapper(F("total") - F("returned_amount"), output_field=MONEY)
# Money paid back without goods coming back: it lowers the revenue as returned goods do.
MONEY_GIVEN_BACK = [Refund.Source.COMPENSATION, Refund.Source.GOODWILL]
# A compensation booked as a credit note (issue 20) is already in returned_amount; only money
# given back beyond the credit note lowers the revenue again.
MONEY_BEYOND_CREDIT = Greatest(ExpressionWrapper(F("amount") - F("credit_amount"), output_field=MONEY), Value(ZERO))


def headline(start: date, end: date) -> dict:
    orders = placed(start, end)
    # Counting created_at rather than id: everything here is in the covering index on
    # created_at, so the database answers from the index alone.
    counts = orders.aggregate(
        orders=Count("created_at"),
        cancelled=Count("created_at", filter=Q(status=OrderStatus.CANCELLED)),
        returned=Count("created_at", filter=Q(returned_amount__gt=0)),
        gross=Coalesce(Sum(NET_ORDER_VALUE, filter=~Q(status=OrderStatus.CANCELLED)), Value(ZERO), output_field=MONEY),
    )
    compensation = Refund.objects.filter(
        order__in=orders.exclude(status=OrderStatus.CANCELLED), source__in=MONEY_GIVEN_BACK
    ).aggregate(total=Coalesce(Sum(MONEY_BEYOND_CREDIT), Value(ZERO), output_field=MONEY))["total"]
    revenue = counts["gross"] - compensation
    sold = counts["orders"] - counts["cancelled"]
    on_time = on_time_delivery(start, end)
    lead = duration_stats(delivered(start, end), F("delivered_at") - F("created_at"), fractions=())
    return {
        "orders": counts["orders"],
        "revenue": _money(revenue),
        "average_order_value": _money(revenue / sold) if sold else _money(ZERO),
        "cancelled": counts["cancelled"],
        "cancellation_rate": _rate(counts["cancelled"], counts["orders"]),
        "returned": counts["returned"],
        "return_rate": _rate(counts["returned"], counts["orders"]),
        "on_time_rate": on_time["rate"],
        "lead_time_avg_hours": lead["avg"],
        "on_time_detail": on_time,
    }


def on_time_delivery(start: date, end: date) -> dict:
    tz = timezone.get_current_timezone()
    rows = (
        delivered(start, end)
        .filter(requested_delivery_date__isnull=False)
        .annotate(delivered_day=TruncDate("delivered_at", tzinfo=tz))
        .aggregate(total=Count("id"), on_time=Count("id", filter=Q(delivered_day__lte=F("requested_delivery_date"))))
    )
    return {"delivered_with_date": rows["total"], "on_time": rows["on_time"], "rate": _rate(rows["on_time"], rows["total"])}


STAGES = [
    ("review", "审核", "approved_at", "created_at"),
    ("allocation", "分配", "allocated_at", "approved_at"),
    ("warehouse", "仓库", "shipped_at", "allocated_at"),
    ("transit", "运输", "delivered_at", "shipped_at"),
]


def lead_times(start: date, end: date) -> dict:
    expressions = {"overall": F("delivered_at") - F("created_at")}
    expressions.update({key: F(finish) - F(begin) for key, _, finish, begin in STAGES})
    stats = duration_stats_many(delivered(start, end), expressions)
    return {
        "overall": stats["overall"],
        "stages": [{"key": key, "label": label, **stats[key]} for key, label, _, _ in STAGES],
    }


def exceptions(start: date, end: date) -> dict:
    orders = placed(start, end)
    total = orders.count()
    order_ids = orders.values("pk")
    rejected = OrderEvent.objects.filter(order__in=order_ids, action="reject").values("order").distinct().count()
    after_sales = sources.after_sales_order_ids(order_ids).count()
    logistics = sources.logistics_exception_order_ids(order_ids).count()
    rows = [
        {"key": "logistics", "label": "物流异常", "orders": logistics, "rate": _rate(logistics, total)},
        {"key": "rejected", "label": "审核驳回", "orders": rejected, "rate": _rate(rejected, total)},
        {"key": "after_sales", "label": "售后", "orders": after_sales, "rate": _rate(after_sales, total)},
    ]
    return {"orders": total, "rows": rows, "after_sales_cases": sources.after_sales_cases_in(start, end)}


def short_products(start: date, end: date, limit: int = 10) -> list[dict]:
    low, high = bounds(start, end)
    rows = (
        PurchaseRequest.objects.filter(created_at__gte=low, created_at__lt=high)
        .values("product__sku", "product__name", "product__spec")
        .annotate(times=Count("id"), quantity=Sum("quantity"), orders=Count("order", distinct=True))
        .order_by("-times", "-quantity", "product__sku")[:limit]
    )
    return [
        {"sku": r["product__sku"], "name": r["product__name"], "spec": r["product__spec"], "times": r["times"],
         "quantity": r["quantity"], "orders": r["orders"]}
        for r in rows
    ]


def id_range(orders) -> tuple[int, int]:
    """Smallest and largest id of ``orders``, read through the created_at index.

    (Asked directly, PostgreSQL walks the primary key from one end and filters on the date,
    which is slow; the OFFSET 0 fence makes it take the period's rows first.)
    """
    if connection.vendor != "postgresql":
        row = orders.aggregate(low=Min("id"), high=Max("id"))
        return row["low"] or 0, row["high"] or 0
    sql, params = orders.order_by().values("id").query.sql_with_params()
    with connections[orders.db].cursor() as cursor:  # the replica when the report reads from it
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM ({sql} OFFSET 0) AS period", params)
        low, high = cursor.fetchone()
    return low or 0, high or 0


def _breakdown(queryset, key: str, label_of: Callable[[dict], str]) -> list[dict]:
    rows = (
        queryset.exclude(status=OrderStatus.CANCELLED)
        .values(key)
        .annotate(orders=Count("id"), revenue=Coalesce(Sum(NET_ORDER_VALUE), Value(ZERO), output_field=MONEY))
        .order_by("-revenue")
    )
    return [{"label": label_of(r), "orders": r["orders"], "revenue": _money(r["revenue"])} for r in rows]


def breakdowns(start: date, end: date) -> dict:
    orders = placed(start, end)
    channels = dict(Channel.choices)
    levels = dict(CustomerLevel.choices)
    owners = _breakdown(
        orders.annotate(owner_name=Coalesce(F("owner__first_name"), F("owner__username"))), "owner_name",
        lambda r: r["owner_name"] or "（无负责人）",
    )
    # Orders are numbered in time order, so a period's orders are one id range: bounding the
    # lines by it lets the database read them from the order index instead of scanning all.
    low_id, high_id = id_range(orders)
    products = (
        OrderLine.objects.filter(order_id__gte=low_id, order_id__lte=high_id)
        .filter(order__in=orders.exclude(status=OrderStatus.CANCELLED).values("pk"))
        .values("product_sku", "product_name")
        .annotate(
            quantity=Sum("quantity"),
            revenue=Coalesce(Sum(ExpressionWrapper(F("amount") - F("discount"), output_field=MONEY)), Value(ZERO),
                             output_field=MONEY),
            orders=Count("order", distinct=True),
        )
        .order_by("-revenue")[:20]
    )
    return {
        "channel": _breakdown(orders, "channel", lambda r: str(channels.get(r["channel"], r["channel"]))),
        "customer_level": _breakdown(orders, "customer__level", lambda r: str(levels.get(r["customer__level"], ""))),
        "owner": owners,
        "product": [
            {"label": f"{p['product_sku']} {p['product_name']}", "orders": p["orders"], "quantity": p["quantity"],
             "revenue": _money(p["revenue"])}
            for p in products
        ],
    }


def monthly_trend(end: date, months: int = 12) -> list[dict]:
    """Orders and revenue per month for the ``months`` months ending with ``end``'s month."""
    first = end.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    tz = timezone.get_current_timezone()
    rows = (
        placed(first, month_range(end)[1])
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(
            orders=Count("created_at"),
            revenue=Coalesce(Sum(NET_ORDER_VALUE, filter=~Q(status=OrderStatus.CANCELLED)), Value(ZERO),
                             output_field=MONEY),
            cancelled=Count("created_at", filter=Q(status=OrderStatus.CANCELLED)),
        )
        .order_by("month")
    )
    by_month = {timezone.localtime(r["month"]).date() if isinstance(r["month"], datetime) else r["month"]: r for r in rows}
    trend, current = [], first
    while current <= end:
        row = by_month.get(current, {"orders": 0, "revenue": ZERO, "cancelled": 0})
        trend.append({"month": f"{current:%Y-%m}", "orders": row["orders"], "revenue": _money(row["revenue"]),
                      "cancelled": row["cancelled"]})
        current = (current + timedelta(days=32)).replace(day=1)
    return trend


def _change(current, previous) -> float | None:
    try:
        current, previous = Decimal(str(current)), Decimal(str(previous))
    except Exception:
        return None
    if not previous:
        return None
    return round(float((current - previous) / previous), 4)


def compute_report(start: date, end: date, *, monthly: bool, progress: Callable[[int], None] | None = None) -> dict:
    """Every figure of the report for [start, end]; ``progress`` is told the percentage done."""
    steps = [
        ("headline", lambda: headline(start, end)),
        ("lead_times", lambda: lead_times(start, end)),
        ("exceptions", lambda: exceptions(start, end)),
        ("short_products", lambda: short_products(start, end)),
        ("breakdowns", lambda: breakdowns(start, end)),
        ("trend", lambda: monthly_trend(end)),
        ("complaints", lambda: sources.complaints_in(start, end)),
        ("margin", lambda: margin_report(start, end)),
    ]
    if monthly:
        previous = previous_month(start)
        last_year = same_month_last_year(start)
        steps += [
            ("previous_month", lambda: {"period": [str(previous[0]), str(previous[1])], **headline(*previous)}),
            ("same_month_last_year", lambda: {"period": [str(last_year[0]), str(last_year[1])], **headline(*last_year)}),
        ]
    data: dict = {"period": [str(start), str(end)], "monthly": monthly}
    for index, (key, compute) in enumerate(steps, start=1):
        data[key] = compute()
        if progress:
            progress(int(index * 100 / len(steps)))
    data["on_time"] = data["headline"].pop("on_time_detail")
    for key in ("previous_month", "same_month_last_year"):
        if key in data:
            data[key].pop("on_time_detail", None)
    if monthly:
        data["comparison"] = [
            {
                "key": key,
                "label": label,
                "current": data["headline"][key],
                "previous_month": data["previous_month"][key],
                "change_vs_previous": _change(data["headline"][key], data["previous_month"][key]),
                "same_month_last_year": data["same_month_last_year"][key],
                "change_vs_last_year": _change(data["headline"][key], data["same_month_last_year"][key]),
            }
            for key, label in COMPARED
        ]
    return data


COMPARED = [
    ("orders", "订单量"),
    ("revenue", "成交额"),
    ("average_order_value", "客单价"),
    ("cancellation_rate", "取消率"),
    ("return_rate", "退货率"),
    ("on_time_rate", "准时交付率"),
    ("lead_time_avg_hours", "平均履约时效(小时)"),
]
