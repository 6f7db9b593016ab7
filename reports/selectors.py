from decimal import Decimal

from django.db.models import Count, F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import Product
from ordermgmt.dbrouting import reads_from_replica
from orders.models import Order, OrderStatus
from orders.selectors import orders_awaiting_manager_release

from . import sources
from .periods import bounds

QUEUE_STAGES = [
    OrderStatus.PENDING_REVIEW,
    OrderStatus.REJECTED,
    OrderStatus.APPROVED,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.ALLOCATED,
    OrderStatus.SHIPPED,
    OrderStatus.IN_TRANSIT,
    OrderStatus.DELIVERED,
    OrderStatus.AFTER_SALES,
]


@reads_from_replica
def dashboard() -> dict:
    now = timezone.now()
    today = timezone.localdate()
    low, high = bounds(today, today)
    intake = Order.objects.filter(created_at__gte=low, created_at__lt=high).aggregate(
        orders=Count("id"), amount=Coalesce(Sum("total"), Value(Decimal("0.00"))),
        urgent=Count("id", filter=Q(priority="urgent")),
    )
    rows = {
        row["status"]: row
        for row in Order.objects.filter(status__in=QUEUE_STAGES)
        .values("status")
        .annotate(n=Count("id"), oldest=Min("status_changed_at"))
    }
    flagged = sources.stuck_orders_by_stage()
    queues = []
    for status in QUEUE_STAGES:
        row = rows.get(status)
        queues.append({
            "status": status,
            "label": OrderStatus(status).label,
            "count": row["n"] if row else 0,
            "oldest": row["oldest"] if row else None,
            "flagged": flagged.get(status, 0),
        })
    late = sources.late_shipments(today)
    low_stock = (
        Product.objects.filter(is_active=True, stock_type="stock").with_stock()
        .filter(available__lt=F("safety_stock")).order_by("available")
    )
    overdue = sources.overdue_after_sales(now)
    return {
        "today": today,
        "intake": intake,
        "queues": queues,
        "awaiting_manager_count": orders_awaiting_manager_release().count(),
        "flagged_count": sum(flagged.values()),
        "late_count": late.count(),
        "late": list(late.select_related("customer").order_by("requested_delivery_date")[:10]),
        "overdue_after_sales_count": overdue.count(),
        "overdue_after_sales": list(overdue[:10]),
        "low_stock_count": low_stock.count(),
        "low_stock": list(low_stock[:10]),
        "calendar_gaps": sources.due_dates_beyond_the_calendar(today),
    }
