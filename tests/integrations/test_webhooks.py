"""Outgoing webhooks: written to the outbox in the transaction of the change, signed per the
Standard Webhooks spec, sent in order per order, retried with growing waits, and a
subscriber that keeps failing is disabled and its owner told."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from integrations.domain_events import WebhookSubscriptionDisabled
from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from integrations.services import webhook_deliveries_dispatch_due, webhook_subscription_create
from integrations.services.webhooks import retry_wait
from ordermgmt import roles
from ordermgmt.domain_events import Phase, subscribe, unsubscribe
from orders import services as order_services
from tests.factories import make_order, user_with_role

from .conftest import Api, make_channel, push, ship

pytestmark = pytest.mark.django_db

ALL_TYPES = ["order.created", "order.status_changed", "order.shipped", "order.delivered", "order.cancelled",
             "after_sales.opened", "payment.recorded", "refund.recorded"]


@pytest.fixture
def created_only(channel, receiver):
    return webhook_subscription_create(user=None, client=channel[0], url=receiver.url, event_types=["order.created"])


@pytest.fixture
def subscribed(channel, receiver):
    subscription, secret = webhook_subscription_create(user=None, client=channel[0], url=receiver.url,
                                                       event_types=ALL_TYPES)
    return subscription, secret


def test_a_subscription_made_through_the_api_shows_its_secret_once(api, receiver):
    response = api.post("/api/v1/webhooks/", {"url": receiver.url, "event_types": ["order.created"]})
    assert response.status_code == 403, "managing webhooks needs its own scope"
    client, token = make_channel(name="有赞", code="youzan-1", scopes=["orders:read", "webhooks:manage"])
    manager = Api(api.http, token)
    created = manager.post("/api/v1/webhooks/", {"url": receiver.url, "event_types": ["order.created"]})
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    listed = manager.get("/api/v1/webhooks/").json()
    assert [s["url"] for s in listed] == [receiver.url] and "secret" not in listed[0]
    bad = manager.post("/api/v1/webhooks/", {"url": receiver.url, "event_types": ["order.exploded"]})
    assert bad.status_code == 400 and "event_types[0]" in bad.json()["errors"]


def test_deliveries_are_signed_and_verify_with_the_standard_webhooks_library(
        api, shop, subscribed, receiver, django_capture_on_commit_callbacks):
    _subscription, secret = subscribed
    with django_capture_on_commit_callbacks(execute=True):
        order = push(api)
    request = receiver.requests[0]  # then the automatic review's approval, allocation…
    headers = {k.lower(): v for k, v in request["headers"].items()}
    payload = Webhook(secret).verify(request["body"], headers)
    assert payload["type"] == "order.created" and payload["data"]["order"]["number"] == order.number
    assert payload["data"]["order"]["external_ref"] == "TB-1001"
    assert headers["webhook-id"] == WebhookEvent.objects.get(event_type="order.created").event_id
    with pytest.raises(Exception):
        Webhook(secret).verify(request["body"] + b" ", headers)
    for request in receiver.requests:
        Webhook(secret).verify(request["body"], request["headers"])
    assert receiver.types()[:2] == ["order.created", "order.status_changed"]
    assert {(d.status, d.attempts, d.last_status_code) for d in WebhookDelivery.objects.all()} == {("delivered", 1, 204)}


def test_a_change_that_is_rolled_back_announces_nothing(api, shop, subscribed):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_order(customer=shop[0], channel_code="taobao-shop-1", external_ref="X")
        assert WebhookEvent.objects.count() == 1, "written inside the change's transaction"
        raise RuntimeError("the clerk's request failed")
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_subscribers_hear_of_their_own_channels_orders_only_unless_they_read_all(
        client, api, shop, subscribed, receiver):
    make_order(customer=shop[0])  # a portal order: not taobao's
    push(api)
    assert WebhookDelivery.objects.count() == 1
    erp, _token = make_channel(name="金蝶 ERP", code="kingdee", scopes=["orders:read_all"])
    webhook_subscription_create(user=None, client=erp, url=receiver.url, event_types=["order.created"])
    make_order(customer=shop[0])
    assert WebhookDelivery.objects.filter(subscription__client=erp).count() == 1


def test_each_change_of_the_order_is_its_event_type(api, shop, subscribed):
    order = push(api)
    ship(order, tracking_number="SF9999999999")
    api.post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "买家拒收"})
    types = list(WebhookEvent.objects.order_by("id").values_list("event_type", flat=True))
    assert types[0] == "order.created" and "order.shipped" in types
    assert types[-3:] == ["order.status_changed", "order.cancelled", "after_sales.opened"]
    shipped = WebhookEvent.objects.get(event_type="order.shipped").body
    assert '"tracking_number":"SF9999999999"' in shipped and '"name":"顺丰速运"' in shipped
    assert '"partial":false' in shipped
    cancelled = WebhookEvent.objects.get(event_type="order.cancelled").body
    assert '"after_shipping":true' in cancelled


def test_payments_refunds_and_delivery_are_announced(api, shop, subscribed):
    order = push(api)
    ship(order)
    order_services.order_start_transit(order=order, user=None)
    order_services.order_deliver(order=order, user=None)
    order_services.payment_record(order=order, user=None, amount=order.total, reference="X-1")
    order.refresh_from_db()
    types = set(WebhookEvent.objects.values_list("event_type", flat=True))
    assert {"order.delivered", "payment.recorded"} <= types
    before = WebhookEvent.objects.count()
    order_services.refund_record(order=order, user=None, amount=order.total, reason="测试", source="compensation")
    assert list(WebhookEvent.objects.order_by("id").values_list("event_type", flat=True)[before:]) == ["refund.recorded"]


def test_the_next_event_of_an_order_waits_until_the_one_before_is_delivered_or_given_up(
        api, shop, subscribed, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.failures = 99
    order = push(api)
    order_services.order_approve(order=order, user=None)
    first, second = WebhookDelivery.objects.order_by("id")[:2]
    from integrations.services import webhook_delivery_attempt

    assert webhook_delivery_attempt(delivery_id=first.pk).status == "pending"
    assert webhook_delivery_attempt(delivery_id=second.pk).status == "waiting"
    assert len(receiver.requests) == 1, "the second is not sent while the first is pending"
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert webhook_delivery_attempt(delivery_id=first.pk).status == "failed"
        receiver.failures = 0
        assert webhook_delivery_attempt(delivery_id=second.pk).status == "delivered"
    assert receiver.types() == ["order.created", "order.created", "order.status_changed"]


def test_retries_wait_longer_each_time_for_more_than_a_day(settings):
    waits = [retry_wait(attempt) for attempt in range(1, settings.WEBHOOK_MAX_ATTEMPTS)]
    assert waits == sorted(waits) and waits[0] == settings.WEBHOOK_RETRY_BASE_SECONDS
    assert sum(waits) >= 24 * 3600


def test_due_retries_are_handed_out_again(api, shop, created_only, receiver, django_capture_on_commit_callbacks):
    receiver.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        push(api)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert webhook_deliveries_dispatch_due() == 0, "not due yet"
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        assert webhook_deliveries_dispatch_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [a.status_code for a in delivery.attempt_log.all()] == [503, 204]


def test_a_subscriber_that_keeps_failing_is_disabled_and_its_owner_told(
        client, api, shop, receiver, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES, settings.WEBHOOK_DISABLE_AFTER_HOURS = 3, 0
    manager = user_with_role(roles.MANAGER)
    manager.email = "boss@example.com"
    manager.save()
    taobao, token = make_channel(name="拼多多", code="pdd-1", owner=manager)
    subscription, _secret = webhook_subscription_create(user=None, client=taobao, url=receiver.url,
                                                        event_types=["order.created"])
    receiver.failures = 99
    announced = []

    def listener(event):
        announced.append(event.subscription.pk)

    subscribe(WebhookSubscriptionDisabled, phase=Phase.IN_TRANSACTION)(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for index in range(4):
                push(Api(client, token), external_ref=f"PDD-{index}")
    finally:
        unsubscribe(WebhookSubscriptionDisabled, listener)
    assert announced == [subscription.pk], "the apps above are told once (the service desk notifies a 主管)"
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_at and "连续 3 次投递失败" in subscription.disabled_reason
    assert len(receiver.requests) == 3, "nothing sent once disabled"
    assert [m.to for m in mail.outbox] == [["boss@example.com"]] and "拼多多" in mail.outbox[0].subject
    client.force_login(manager)
    page = client.get(f"/integrations/clients/{taobao.pk}/").content.decode()
    assert "已自动停用" in page and "连续 3 次投递失败" in page
    assert "已自动停用" in client.get("/integrations/").content.decode()
    receiver.failures = 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/integrations/webhooks/{subscription.pk}/enable/")
    assert WebhookDelivery.objects.filter(subscription=subscription, status="pending").count() == 0
    assert len(receiver.requests) == 7


def test_a_manager_replays_a_delivery_with_the_same_event_id(client, api, shop, created_only, receiver,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        push(api)
    delivery = WebhookDelivery.objects.get()
    client.force_login(user_with_role(roles.MANAGER))
    log = client.get(f"/integrations/deliveries/?subscription={delivery.subscription_id}").content.decode()
    assert "order.created" in log and "204" in log and "重新投递" in log
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/integrations/deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    replay = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert replay.replay_of == delivery and replay.status == "delivered"
    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [delivery.event.event_id] * 2


def test_in_production_a_subscriber_inside_our_network_is_refused(channel, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    from ordermgmt.errors import InvalidInput

    for url in ("http://127.0.0.1:6379/", "http://10.0.0.5/hook", "http://localhost/hook"):
        with pytest.raises(InvalidInput, match="内网"):
            webhook_subscription_create(user=None, client=channel[0], url=url, event_types=["order.created"])
    assert not WebhookSubscription.objects.exists()


def test_a_batch_of_orders_reads_the_subscriptions_once_and_announces_each(api, shop, subscribed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body = {"orders": [{"customer_code": "C00001", "external_ref": f"B-{i}", "lines": [{"sku": "P0001", "quantity": 1}]}
                       for i in range(30)]}
    with CaptureQueriesContext(connection) as queries:
        assert api.post("/api/v1/orders/batch/", body).json()["created"] == 30
    reads = [q for q in queries.captured_queries if 'FROM "integrations_webhooksubscription"' in q["sql"]]
    assert len(reads) == 1
    assert WebhookEvent.objects.filter(event_type="order.created").count() == 30
