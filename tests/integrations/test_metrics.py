"""Webhook deliveries on the metrics endpoint (issue 21): how many wait, were delivered, or
were given up — the failed ones are what the OrdermgmtWebhooksFailing alert watches."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from integrations.models import WebhookDelivery
from integrations.models.webhooks import DeliveryStatus
from integrations.services import webhook_subscription_create

from .conftest import push

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests-0123456789"


def _webhook_deliveries(client, settings) -> dict[str, float]:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_CACHE_SECONDS = 0
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    collectors_up = {}
    deliveries = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            if sample.name == "ordermgmt_webhook_deliveries":
                deliveries[sample.labels["status"]] = sample.value
            if sample.name == "ordermgmt_metrics_collector_up":
                collectors_up[sample.labels["collector"]] = sample.value
    assert collectors_up.get("integrations.webhooks") == 1
    return deliveries


def test_webhook_deliveries_are_counted_per_status_with_zero_for_none(client, settings):
    assert _webhook_deliveries(client, settings) == {"pending": 0, "delivered": 0, "failed": 0}


def test_a_given_up_webhook_delivery_shows_as_failed(client, settings, api, shop, channel, receiver):
    webhook_subscription_create(user=None, client=channel[0], url=receiver.url, event_types=["order.created"])
    push(api, external_ref="TB-1")
    push(api, external_ref="TB-2")
    first = WebhookDelivery.objects.order_by("id").first()
    WebhookDelivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.FAILED)

    assert _webhook_deliveries(client, settings) == {"pending": 1, "delivered": 0, "failed": 1}
