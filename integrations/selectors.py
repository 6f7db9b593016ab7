"""Reads shared by the API and the portal pages."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order

from .models import ApiCallLog, ApiClient, PaymentNotification, WebhookDelivery, WebhookSubscription
from .scopes import ORDERS_READ_ALL


def orders_visible_to(client: ApiClient) -> QuerySet:
    """The orders a client may read: its own channel's, or all with the scope to read all."""
    orders = Order.objects.all()
    if not client.has_scope(ORDERS_READ_ALL):
        orders = orders.filter(channel_code=client.channel_code)
    return orders


def order_detail_for(client: ApiClient, number: str) -> Order | None:
    return (orders_visible_to(client).filter(number=number).select_related("customer")
            .prefetch_related("lines", "events", "shipments__carrier").first())


@dataclass(frozen=True)
class CallStats:
    label: object  # a translatable label
    calls: int
    errors: int
    server_errors: int
    average_ms: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


CALL_WINDOWS = [(_("1 小时"), timedelta(hours=1)), (_("24 小时"), timedelta(hours=24)), (_("7 天"), timedelta(days=7))]


def client_call_stats(client: ApiClient, *, now=None) -> list[CallStats]:
    """Calls, refused calls (4xx and 5xx), server errors and mean latency per window."""
    now = now or timezone.now()
    stats = []
    for label, span in CALL_WINDOWS:
        row = ApiCallLog.objects.filter(client=client, at__gte=now - span).aggregate(
            calls=Count("id"), errors=Count("id", filter=Q(status__gte=400)),
            server_errors=Count("id", filter=Q(status__gte=500)), average=Avg("latency_ms"),
        )
        stats.append(CallStats(label, row["calls"], row["errors"], row["server_errors"], int(row["average"] or 0)))
    return stats


def recent_calls(client: ApiClient, *, limit: int = 50) -> list[ApiCallLog]:
    return list(ApiCallLog.objects.filter(client=client).order_by("-at", "-id")[:limit])


def clients_overview() -> QuerySet:
    day_ago = timezone.now() - timedelta(hours=24)
    return ApiClient.objects.select_related("owner").annotate(
        calls_24h=Count("calls", filter=Q(calls__at__gte=day_ago)),
        errors_24h=Count("calls", filter=Q(calls__at__gte=day_ago, calls__status__gte=400)),
    ).order_by("name")


def delivery_log(*, subscription: WebhookSubscription | None = None, status: str = "", query: str = "") -> QuerySet:
    deliveries = WebhookDelivery.objects.select_related("event", "subscription__client").order_by("-id")
    if subscription is not None:
        deliveries = deliveries.filter(subscription=subscription)
    if status:
        deliveries = deliveries.filter(status=status)
    if query:
        deliveries = deliveries.filter(Q(order_number=query.strip()) | Q(event__event_id=query.strip()))
    return deliveries


def disabled_subscriptions() -> QuerySet:
    return WebhookSubscription.objects.filter(is_active=False, disabled_at__isnull=False).select_related("client")


def payments_awaiting_review() -> QuerySet:
    return (PaymentNotification.objects.filter(outcome=PaymentNotification.Outcome.FLAGGED, resolved_at__isnull=True)
            .select_related("provider", "order").order_by("received_at", "id"))


def recent_payment_notifications(*, limit: int = 50) -> list[PaymentNotification]:
    return list(PaymentNotification.objects.select_related("provider", "order", "resolved_by")
                .order_by("-received_at", "-id")[:limit])
