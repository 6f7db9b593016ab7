"""The orders' figures on the metrics endpoint (``ordermgmt.metrics``), read at scrape time."""

from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from .models import ImportJob, Order
from .states import OrderStatus

# An order in one of these states waits for someone (see workflow.QUEUE_RULES).
WAITING_STATES = [
    OrderStatus.PENDING_REVIEW, OrderStatus.APPROVED, OrderStatus.ALLOCATED, OrderStatus.IN_PRODUCTION,
    OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.AFTER_SALES,
    OrderStatus.REJECTED,
]
IMPORT_BUCKETS_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800]


def order_metrics():
    per_state = GaugeMetricFamily("ordermgmt_orders", "Orders by state", labels=["status"])
    oldest = GaugeMetricFamily("ordermgmt_orders_oldest_wait_seconds",
                               "How long the longest-waiting order has been in this state", labels=["status"])
    now = timezone.now()
    rows = {r["status"]: r for r in Order.objects.order_by().values("status")
            .annotate(n=Count("id"), since=Min("status_changed_at"))}
    for status in OrderStatus:
        row = rows.get(status.value)
        per_state.add_metric([status.value], row["n"] if row else 0)
        if status in WAITING_STATES:
            waited = (now - row["since"]).total_seconds() if row else 0
            oldest.add_metric([status.value], max(waited, 0))
    yield per_state
    yield oldest

    created = CounterMetricFamily("ordermgmt_orders_created", "Orders created, by channel", labels=["channel"])
    for row in Order.objects.order_by().values("channel").annotate(n=Count("id")):
        created.add_metric([row["channel"]], row["n"])
    yield created


def import_metrics():
    """Durations of finished Excel imports (upload to imported), as a histogram."""
    took = ExpressionWrapper(F("finished_at") - F("created_at"), output_field=DurationField())
    finished = ImportJob.objects.filter(finished_at__isnull=False).annotate(took=took).order_by()
    buckets = {f"le_{b}": Count("id", filter=Q(took__lte=timedelta(seconds=b))) for b in IMPORT_BUCKETS_SECONDS}
    figures = finished.aggregate(total=Count("id"), took_sum=Sum("took"), **buckets)
    total_seconds = figures["took_sum"].total_seconds() if figures["took_sum"] else 0.0
    histogram = HistogramMetricFamily("ordermgmt_import_duration_seconds", "Excel order imports, upload to done")
    histogram.add_metric([], [*((str(float(b)), figures[f"le_{b}"]) for b in IMPORT_BUCKETS_SECONDS), ("+Inf", figures["total"])],
                         sum_value=total_seconds)
    yield histogram
