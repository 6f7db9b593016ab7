"""Where the report finds what other apps keep: orders with an after-sales case or a logistics
exception, late shipments, overdue cases, gaps in the working-day calendar, complaints and
orders past their stage's threshold. Kept apart so that the metrics do not depend on how
those apps store them."""

from datetime import date

from django.db.models import Count, Q

from aftersales.models import AfterSalesCase
from aftersales.selectors import open_case_due_dates_per_year, overdue_cases
from fulfillment.models import ExceptionNote
from ordermgmt.workdays import PACKAGE_YEARS, unknown_years
from orders.models import Order, OrderEvent, OrderStatus
from servicedesk.analysis import complaint_analysis
from servicedesk.selectors import flag_counts_by_stage

from .periods import bounds


def after_sales_order_ids(order_ids):
    """Orders (among ``order_ids``, a values('pk') queryset) with an after-sales case — or,
    for history from before cases existed, that entered 售后中."""
    with_case = AfterSalesCase.objects.filter(order__in=order_ids).order_by().values("order")
    entered = OrderEvent.objects.filter(order__in=order_ids, to_status="after_sales").order_by().values("order")
    return with_case.union(entered)


def logistics_exception_order_ids(order_ids):
    """Orders with a logistics exception (delay, suspected loss, carrier 异常 event): the
    note fulfillment writes on the timeline when it flags a shipment."""
    return OrderEvent.objects.filter(order__in=order_ids, action=ExceptionNote.FLAGGED).values("order").distinct()


def late_shipments(today):
    """Orders on their way (已出库/配送中) past the date the customer asked for."""
    return Order.objects.filter(
        status__in=[OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT], requested_delivery_date__lt=today
    )


def overdue_after_sales(now):
    """Open after-sales cases past their working-day due time."""
    return overdue_cases(now)


def after_sales_cases_in(start, end) -> dict:
    """After-sales cases opened in the period, and how many ran past their due time."""
    low, high = bounds(start, end)
    row = AfterSalesCase.objects.filter(created_at__gte=low, created_at__lt=high).aggregate(
        opened=Count("id"), overdue=Count("id", filter=Q(overdue_since__isnull=False)),
    )
    return {"opened": row["opened"], "overdue": row["overdue"]}


# The State Council publishes next year's 放假安排 around November: from then on the
# dashboard reminds the 主管 of next year even before any due date falls in it.
NEXT_YEAR_REMINDER_MONTH = 11


def due_dates_beyond_the_calendar(today) -> list[dict]:
    """Years whose 放假安排 the working-day calendar does not know, each with the number of
    open after-sales due dates in it (counted Monday to Friday). This year — and next year
    from November — are listed even without a due date."""
    counts = open_case_due_dates_per_year(since=date(PACKAGE_YEARS[-1] + 1, 1, 1))
    years = set(counts) | {today.year}
    if today.month >= NEXT_YEAR_REMINDER_MONTH:
        years.add(today.year + 1)
    return [{"year": str(year), "due_dates": counts.get(year, 0)} for year in unknown_years(years)]


def complaints_in(start, end) -> dict:
    """The complaints section: the service desk's analysis of the period (servicedesk/analysis.py)."""
    return complaint_analysis(start, end)


def stuck_orders_by_stage() -> dict[str, int]:
    """Orders flagged past their stage's dwell-time threshold, per stage (now)."""
    return flag_counts_by_stage()
