"""Domain events (ordermgmt.domain_events): an in-transaction listener stands or falls with the
change that announced it; an after-commit listener's work is written with the change, retried
when it fails, and shown to a 主管 when it keeps failing — it can't be lost."""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import ProductionOrder
from inventory.domain_events import StockReceived
from inventory.models import StockBatch
from ordermgmt import roles
from ordermgmt.domain_events import Phase, publish, subscribe, subscriptions, unsubscribe
from ordermgmt.event_delivery import event_deliveries_redeliver_due, event_delivery_retry
from ordermgmt.models import EventDelivery
from orders import services as order_services
from orders.domain_events import OrderApproved
from orders.models import OrderStatus
from tests.factories import ProductFactory, WarehouseFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db

Status = EventDelivery.Status


@contextmanager
def listening(event_type, handler, phase):
    subscribe(event_type, phase=phase)(handler)
    try:
        yield
    finally:
        unsubscribe(event_type, handler)


class Flaky:
    """A listener that fails ``failures`` times, then works."""

    def __init__(self, failures: int):
        self.failures, self.calls = failures, []

    def __call__(self, event):
        self.calls.append(event)
        if len(self.calls) <= self.failures:
            raise ConnectionError(f"downstream unavailable (call {len(self.calls)})")


def test_every_cross_app_reaction_is_a_subscription():
    listeners = {s.listener for s in subscriptions()}
    assert {
        "fulfillment.receivers.raise_production_orders",
        "fulfillment.receivers.withdraw_what_was_prepared",
        "fulfillment.receivers.queue_customer_notices",
        "aftersales.receivers.open_case_for_abnormal_delivery",
        "aftersales.receivers.move_due_dates_with_the_calendar",
        "orders.receivers.allocate_orders_waiting_for_stock",
    } <= listeners


def test_a_failing_in_transaction_listener_rolls_the_whole_change_back():
    custom = ProductFactory(stock_type="custom", list_price=Decimal("100.00"))
    order = make_order(lines=[(custom, 2, None)], order_type="custom")

    def refuse(event):
        raise RuntimeError("listener refused")

    with listening(OrderApproved, refuse, Phase.IN_TRANSACTION):
        with pytest.raises(RuntimeError, match="listener refused"):
            order_services.order_approve(order=order, user=user_with_role(roles.REVIEWER))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW
    assert not order.events.filter(action="approve").exists(), "no timeline entry for a change that did not happen"
    assert not ProductionOrder.objects.filter(order=order).exists(), "the other listeners' work is rolled back too"


def test_in_transaction_listeners_do_their_work_with_the_change():
    custom = ProductFactory(stock_type="custom", list_price=Decimal("100.00"))
    order = make_order(lines=[(custom, 2, None)], order_type="custom")
    order_services.order_approve(order=order, user=user_with_role(roles.REVIEWER))
    assert ProductionOrder.objects.filter(order=order).count() == 1, "fulfillment raised it with the approval"


def test_after_commit_work_is_written_with_the_change_and_vanishes_with_a_rollback():
    listener = Flaky(failures=0)
    with listening(StockReceived, listener, Phase.AFTER_COMMIT):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                publish(StockReceived(product_ids=(1,)))
                assert EventDelivery.objects.filter(listener__endswith="Flaky").count() == 1
                raise RuntimeError("the receipt failed")
    assert not EventDelivery.objects.filter(listener__endswith="Flaky").exists()
    assert listener.calls == []


def test_a_failing_after_commit_listener_is_retried_with_a_growing_wait_until_it_works(
    django_capture_on_commit_callbacks, settings
):
    settings.EVENT_RETRY_BASE_SECONDS = 30
    listener = Flaky(failures=2)
    with listening(StockReceived, listener, Phase.AFTER_COMMIT):
        with django_capture_on_commit_callbacks(execute=True):
            publish(StockReceived(product_ids=(7, 3)))
        delivery = EventDelivery.objects.get(listener__endswith="Flaky")
        assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
        assert "downstream unavailable" in delivery.last_error
        first_wait = delivery.next_attempt_at - timezone.now()
        assert timedelta(seconds=25) < first_wait <= timedelta(seconds=30)

        assert event_deliveries_redeliver_due() == 0, "not due before its wait has passed"
        second_try = timezone.now() + timedelta(seconds=31)
        with time_machine.travel(second_try):
            event_deliveries_redeliver_due()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Status.PENDING, 2)
        assert delivery.next_attempt_at - second_try > timedelta(seconds=55), "the wait doubles"
        with time_machine.travel(second_try + timedelta(seconds=61)):
            event_deliveries_redeliver_due()
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Status.DONE, 3, "")
    assert [call.product_ids for call in listener.calls] == [(7, 3)] * 3, "the payload survives the round trip"


def test_a_listener_that_keeps_failing_is_shown_to_a_manager_who_can_retry_it(
    client, django_capture_on_commit_callbacks, settings
):
    settings.EVENT_MAX_ATTEMPTS = 2
    settings.EVENT_RETRY_BASE_SECONDS = 1
    listener = Flaky(failures=2)
    with listening(StockReceived, listener, Phase.AFTER_COMMIT):
        with django_capture_on_commit_callbacks(execute=True):
            publish(StockReceived(product_ids=(1,)))
        with time_machine.travel(timezone.now() + timedelta(seconds=5)):
            event_deliveries_redeliver_due()
        delivery = EventDelivery.objects.get(listener__endswith="Flaky")
        assert (delivery.status, delivery.attempts) == (Status.FAILED, 2)

        manager = user_with_role(roles.MANAGER)
        client.force_login(manager)
        home = client.get(reverse("portal:home")).content.decode()
        assert 'data-testid="event-alerts"' in home and "1 项后台处理失败" in home
        page = client.get(reverse("portal:event_deliveries")).content.decode()
        assert "stock.received" in page and "downstream unavailable (call 2)" in page

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("portal:event_delivery_retry", args=[delivery.pk]))
        assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.DONE, 1), "retried afresh, and this time it worked"
    assert 'data-testid="event-alerts"' not in client.get(reverse("portal:home")).content.decode()


def test_only_a_manager_sees_and_retries_event_deliveries(client):
    delivery = EventDelivery.objects.create(event="stock.received", listener="x.y", status=Status.FAILED)
    client.force_login(user_with_role(roles.WAREHOUSE))
    assert client.get(reverse("portal:event_deliveries")).status_code == 403
    assert client.post(reverse("portal:event_delivery_retry", args=[delivery.pk])).status_code == 403
    with pytest.raises(Exception, match="没有权限"):
        event_delivery_retry(delivery=delivery, user=user_with_role(roles.WAREHOUSE))


def test_work_held_by_a_worker_that_died_is_handed_out_again_once_its_claim_expires(settings):
    settings.EVENT_CLAIM_SECONDS = 600
    listener = Flaky(failures=0)
    with listening(StockReceived, listener, Phase.AFTER_COMMIT):
        publish(StockReceived(product_ids=(1,)))  # on_commit never runs: as if the process died
        delivery = EventDelivery.objects.get(listener__endswith="Flaky")
        EventDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.RUNNING, attempts=1, next_attempt_at=timezone.now() + timedelta(seconds=600)
        )
        event_deliveries_redeliver_due()
        delivery.refresh_from_db()
        assert (delivery.status, listener.calls) == (Status.RUNNING, []), "still held by the worker"
        with time_machine.travel(timezone.now() + timedelta(seconds=601)):
            event_deliveries_redeliver_due()
    delivery.refresh_from_db()
    assert delivery.status == Status.DONE and len(listener.calls) == 1


def test_goods_received_allocate_the_waiting_orders_through_a_delivery(django_capture_on_commit_callbacks):
    product = ProductFactory()
    order = order_services.order_approve(order=make_order(lines=[(product, 3, "10.00")]), user=None)
    assert order.status == OrderStatus.APPROVED, "waiting for goods"
    with django_capture_on_commit_callbacks(execute=True):
        receive(product, 5, warehouse=WarehouseFactory(code="WH-EV"))
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    delivery = EventDelivery.objects.get(event="stock.received")
    assert delivery.status == Status.DONE and delivery.listener == "orders.receivers.allocate_orders_waiting_for_stock"
    assert StockBatch.objects.get(product=product).quantity_allocated == 3
