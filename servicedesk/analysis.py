"""Complaint analysis for a period (the complaints page and the monthly report's section).

Periods are calendar days in Asia/Shanghai, both ends included. Definitions:

- 投诉量: complaints received in the period (``created_at``), by channel, category (with the
  改进措施 the 主管 keeps for it), sub-category, product, carrier (complaints about an order
  that was shipped, by the carrier of its shipments), sales owner and severity.
- 首次响应 / 处理时长: working hours (09:00–18:00 on working days, like the due times) from
  受理 to the first response, and to the (last) proposed resolution; average and P90 over
  the complaints that got there, and how many did so within their due time.
- 超时: complaints of the period that ran past a due time; 重新打开: reopened at least once;
  升级: escalated to a 主管.
- 重复投诉客户: customers with two or more complaints in the period.
- 趋势: complaints received per month for the 12 months ending with the period's month.

Every figure is JSON (numbers and strings), so the report can store it as it is.
"""

import math
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from ordermgmt.language import in_platform_language
from ordermgmt.workdays import working_time_between

from .models import Channel, Complaint, ComplaintCategory, Satisfaction, Severity


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tzinfo=zone), datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))


def received(start: date, end: date):
    low, high = _bounds(start, end)
    return Complaint.objects.filter(created_at__gte=low, created_at__lt=high)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _counted(rows, key: str, label) -> list[dict]:
    return [{"label": label(row), "count": row["n"]} for row in rows if row[key] is not None]


def _by(complaints, key: str, label) -> list[dict]:
    rows = complaints.values(key).annotate(n=Count("id", distinct=True)).order_by("-n", key)
    return _counted(rows, key, label)


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks, as PostgreSQL's PERCENTILE_CONT."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _durations(pairs) -> dict:
    """(start, finish, due) triples → working hours: n, average, P90, within due."""
    hours, within = [], 0
    for start, finish, due in pairs:
        hours.append(working_time_between(start, finish).total_seconds() / 3600)
        within += finish <= due
    n = len(hours)
    return {
        "n": n,
        "avg_hours": round(sum(hours) / n, 1) if n else None,
        "p90_hours": round(percentile(hours, 0.9), 1) if n else None,
        "within_due": within,
        "within_due_rate": _rate(within, n),
    }


def _products(complaints, limit: int = 10) -> list[dict]:
    rows = (
        complaints.filter(product__isnull=False).values("product__sku", "product__name", "product__spec")
        .annotate(n=Count("id")).order_by("-n", "product__sku")[:limit]
    )
    return [{"label": f"{r['product__sku']} {r['product__name']} {r['product__spec']}".strip(), "count": r["n"]}
            for r in rows]


def _categories(complaints, total: int) -> list[dict]:
    rows = complaints.values("category").annotate(n=Count("id")).order_by("-n", "category")
    categories = ComplaintCategory.objects.in_bulk([row["category"] for row in rows])
    return [
        {"label": categories[row["category"]].name, "count": row["n"], "share": _rate(row["n"], total),
         "improvement": categories[row["category"]].improvement}
        for row in rows
    ]


def _trend(end: date, months: int = 12) -> list[dict]:
    first = end.replace(day=1)
    for _month in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    zone = timezone.get_current_timezone()
    rows = (
        received(first, end).annotate(month=TruncMonth("created_at", tzinfo=zone)).values("month")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(overdue_since__isnull=False)))
    )
    by_month = {f"{timezone.localtime(row['month']) if isinstance(row['month'], datetime) else row['month']:%Y-%m}": row
                for row in rows}
    trend, current = [], first
    while current <= end:
        row = by_month.get(f"{current:%Y-%m}", {"n": 0, "overdue": 0})
        trend.append({"month": f"{current:%Y-%m}", "count": row["n"], "overdue": row["overdue"]})
        current = (current + timedelta(days=32)).replace(day=1)
    return trend


@in_platform_language
def complaint_analysis(start: date, end: date) -> dict:
    complaints = received(start, end)
    total = complaints.count()
    channels, severities = dict(Channel.choices), dict(Severity.choices)
    satisfaction = dict(Satisfaction.choices)
    counts = complaints.aggregate(
        overdue=Count("id", filter=Q(overdue_since__isnull=False)),
        reopened=Count("id", filter=Q(reopened_count__gt=0)),
        escalated=Count("id", filter=Q(escalated_at__isnull=False)),
        with_order=Count("id", filter=Q(order__isnull=False)),
    )
    repeat = (
        complaints.values("customer", "customer__name").annotate(n=Count("id")).filter(n__gte=2)
        .order_by("-n", "customer__name")
    )
    return {
        "period": [str(start), str(end)],
        "total": total,
        **counts,
        "overdue_rate": _rate(counts["overdue"], total),
        "reopened_rate": _rate(counts["reopened"], total),
        "by_category": _categories(complaints, total),
        "by_subcategory": _by(complaints, "subcategory__name", lambda r: r["subcategory__name"])[:10],
        "breakdowns": [
            {"key": "channel", "title": _("按渠道"),
             "rows": _by(complaints, "channel", lambda r: str(channels.get(r["channel"], r["channel"])))},
            {"key": "severity", "title": _("按严重程度"),
             "rows": _by(complaints, "severity", lambda r: str(severities.get(r["severity"], r["severity"])))},
            {"key": "product", "title": _("按商品"), "rows": _products(complaints)},
            {"key": "carrier", "title": _("按承运商（已发货订单）"),
             "rows": _by(complaints, "order__shipments__carrier__name", lambda r: r["order__shipments__carrier__name"])},
            {"key": "owner", "title": _("按销售负责人"),
             "rows": _by(complaints.annotate(owner_name=Coalesce(F("sales_owner__first_name"), F("sales_owner__username"))),
                         "owner_name", lambda r: r["owner_name"] or _("（无负责人）"))},
        ],
        "satisfaction": _by(complaints.exclude(satisfaction=""), "satisfaction",
                            lambda r: str(satisfaction.get(r["satisfaction"], r["satisfaction"]))),
        "first_response": _durations(complaints.filter(first_response_at__isnull=False)
                                     .values_list("created_at", "first_response_at", "respond_due_at")),
        "resolution": _durations(complaints.filter(proposed_at__isnull=False)
                                 .values_list("created_at", "proposed_at", "due_at")),
        "repeat_complainers": [{"label": row["customer__name"], "count": row["n"]} for row in repeat[:10]],
        "trend": _trend(end),
    }
