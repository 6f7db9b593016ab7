from datetime import date, datetime, time

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from ordermgmt import policies
from orders.models import Order
from orders.selectors import order_visibility

from .models import ENDED, AfterSalesCase, Feedback
from .services import AFTER_SALES_STATUSES, returnable_quantities


def cases_visible_to(user) -> QuerySet[AfterSalesCase]:
    """The cases of the orders the user may see (``orders.selectors.order_visibility``)."""
    condition = order_visibility(user, through="order__")
    cases = AfterSalesCase.objects.all()
    return cases if condition is None else cases.filter(condition)


def case_queue(*, visible_to, status: str = "", service: str = "", query: str = "") -> QuerySet[AfterSalesCase]:
    """Open cases, the overdue ones first, then by due time."""
    cases = cases_visible_to(visible_to).select_related("order", "order__customer", "opened_by")
    if status == "all":
        pass
    elif status:
        cases = cases.filter(status=status)
    else:
        cases = cases.exclude(status__in=ENDED)
    if service:
        cases = cases.filter(service=service)
    query = (query or "").strip()
    if query:
        number = query.upper().removeprefix("SH")
        condition = Q(order__number__startswith=query) | Q(order__customer__name__icontains=query)
        if number.isdigit():
            condition |= Q(pk=int(number))
        cases = cases.filter(condition)
    return cases.order_by(F("overdue_since").asc(nulls_last=True), F("due_at").asc(nulls_last=True), "id")


def case_detail(pk: int, *, visible_to) -> AfterSalesCase:
    return (
        cases_visible_to(visible_to).select_related("order", "order__customer", "opened_by", "replacement_order")
        .prefetch_related("lines__order_line", "photos", "events")
        .get(pk=pk)
    )


def overdue_cases(now=None) -> QuerySet[AfterSalesCase]:
    now = now or timezone.now()
    return AfterSalesCase.objects.exclude(status__in=ENDED).filter(due_at__lt=now).select_related("order")


def open_case_due_dates_per_year(*, since: date) -> dict[int, int]:
    """Open cases due on or after ``since``, counted per year of their due date."""
    start = timezone.make_aware(datetime.combine(since, time.min), timezone.get_current_timezone())
    rows = (
        AfterSalesCase.objects.exclude(status__in=ENDED).filter(due_at__gte=start)
        .annotate(year=ExtractYear("due_at")).order_by().values("year").annotate(n=Count("id"))
    )
    return {row["year"]: row["n"] for row in rows}


def feedback_to_follow_up(user) -> QuerySet[Feedback]:
    """需改进 ratings of the user's own orders that nobody has followed up yet."""
    return (
        Feedback.objects.filter(rating=Feedback.Rating.NEEDS_IMPROVEMENT, followed_up_at__isnull=True)
        .filter(Q(order__owner=user) | Q(order__created_by=user))
        .select_related("order", "order__customer")
    )


def customer_after_sales(order: Order) -> dict:
    """What the tracking page offers after delivery: the order's cases (no personal data),
    a return request while within the support window, and a rating if none was given."""
    window = policies.get_policy(policies.SUPPORT_DAYS)
    delivered = order.delivered_at or order.completed_at
    can_request = (
        order.status in AFTER_SALES_STATUSES and delivered is not None and (timezone.now() - delivered).days <= window
    )
    available = returnable_quantities(order) if can_request else {}
    return {
        "cases": [
            {"number": c.number, "service": c.get_service_display(), "status": c.get_status_display(),
             "created_at": c.created_at}
            for c in order.after_sales_cases.order_by("created_at")
        ],
        "can_request": can_request and any(available.values()),
        "window_days": window,
        "window_ends": (timezone.localtime(delivered).date() + timezone.timedelta(days=window)) if delivered else None,
        "lines": [
            {"id": line.pk, "name": line.product_name, "spec": line.product_spec, "max": available.get(line.pk, 0)}
            for line in order.lines.all() if available.get(line.pk, 0)
        ],
        "feedback": getattr(order, "feedback", None) if hasattr(order, "feedback") else None,
        "can_rate": order.status in {"delivered", "completed", "after_sales", "closed"} and not Feedback.objects.filter(order=order).exists(),
    }
