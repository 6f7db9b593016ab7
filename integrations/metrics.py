"""Webhook deliveries on the metrics endpoint (``ordermgmt.metrics``): waiting, delivered, and
given up after every attempt (投递失败, replayable from the delivery log). Every status is
exposed, zero included, so that an alert on the failed ones has a series to watch."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from .models import WebhookDelivery
from .models.webhooks import DeliveryStatus


def webhook_metrics():
    counts = dict(WebhookDelivery.objects.order_by().values_list("status").annotate(n=Count("id")))
    family = GaugeMetricFamily("ordermgmt_webhook_deliveries", "Webhook deliveries by status (failed: given up)",
                               labels=["status"])
    for status in DeliveryStatus.values:
        family.add_metric([status], counts.get(status, 0))
    yield family
