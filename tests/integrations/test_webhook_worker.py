"""Webhooks through a real Celery worker and Redis to a local receiver that fails twice, then
succeeds: each event delivered once, signatures verify, the events of an order in order."""

import time

import pytest
from standardwebhooks import Webhook

from integrations.models import WebhookDelivery
from integrations.services import webhook_subscription_create

from .conftest import Api, make_channel, order_body

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def worker(request, monkeypatch, receiver, reference_data):
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "1")
    return request.getfixturevalue("celery_worker_process")


def _settled(timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries = list(WebhookDelivery.objects.select_related("event").order_by("id"))
        if len(deliveries) >= 3 and all(d.status != "pending" for d in deliveries):
            return deliveries
        time.sleep(0.3)
    raise AssertionError(f"still pending after {timeout}s: {[(d.pk, d.status, d.last_error) for d in deliveries]}")


def test_a_receiver_failing_twice_gets_every_event_once_signed_and_in_order(client, shop, receiver, worker):
    api_client, token = make_channel()
    _subscription, secret = webhook_subscription_create(
        user=None, client=api_client, url=receiver.url, event_types=["order.created", "order.status_changed"])
    receiver.failures = 2
    response = Api(client, token).post("/api/v1/orders/", order_body())
    assert response.status_code == 201
    deliveries = _settled()  # created, then approved and allocated by the automatic review in the worker

    assert [d.status for d in deliveries] == ["delivered"] * len(deliveries)
    assert deliveries[0].attempts == 3 and all(d.attempts == 1 for d in deliveries[1:])
    for request in receiver.requests:
        Webhook(secret).verify(request["body"], request["headers"])
    succeeded = [r["headers"]["webhook-id"] for r in receiver.requests[2:]]
    assert succeeded == [d.event.event_id for d in deliveries], "each once, in the order they happened"
    assert [r["headers"]["webhook-id"] for r in receiver.requests[:3]] == [deliveries[0].event.event_id] * 3
    assert receiver.types()[2:] == [d.event.event_type for d in deliveries]
    assert receiver.types()[2] == "order.created"
    assert [body["data"]["to_status"] for body in receiver.bodies()[3:]] == ["approved", "allocated"]
