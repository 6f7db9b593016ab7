"""Customer notices on the metrics endpoint (``ordermgmt.metrics``): how many were sent,
are waiting, or failed for good (发送失败, shown to staff with a 重新发送 button)."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from .models import MessageStatus, NotificationMessage


def notification_metrics():
    family = GaugeMetricFamily("ordermgmt_notifications", "Customer notices by outcome and channel",
                               labels=["status", "channel"])
    for row in NotificationMessage.objects.order_by().values("status", "channel").annotate(n=Count("id")):
        family.add_metric([row["status"], row["channel"]], row["n"])
    yield family
    failed = GaugeMetricFamily("ordermgmt_notifications_failed", "Customer notices that failed after every attempt")
    failed.add_metric([], NotificationMessage.objects.filter(status=MessageStatus.FAILED).count())
    yield failed
