"""After-commit listeners through Redis and a real Celery worker process: the receipt commits,
its delivery row goes to the worker, which allocates the orders waiting for the goods."""

import pytest

from ordermgmt.models import EventDelivery
from orders import services as order_services
from orders.models import Order, OrderStatus, ReviewCheck
from tests.factories import ProductFactory, WarehouseFactory, make_order, receive
from tests.orders.test_review_worker import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_goods_received_are_allocated_to_waiting_orders_by_the_worker(celery_worker_process):
    product = ProductFactory()
    waiting = [make_order(lines=[(product, 2, "10.00")]) for _ in range(3)]
    ids = [o.pk for o in waiting]
    # The worker's automatic review finds no stock: a reviewer approves them, to wait for goods.
    assert wait_for(lambda: ReviewCheck.objects.filter(order__in=ids, name="stock").count() == 3)
    for order in waiting:
        order_services.order_approve(order=order, user=None)
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {OrderStatus.APPROVED}

    receive(product, 6, warehouse=WarehouseFactory(code="WH-WK"))  # commits: the delivery goes to Redis

    assert wait_for(lambda: set(Order.objects.filter(pk__in=ids).values_list("status", flat=True))
                    == {OrderStatus.ALLOCATED}), (
        "the worker did not allocate the waiting orders"
    )
    delivery = EventDelivery.objects.get(event="stock.received")
    assert (delivery.status, delivery.attempts) == (EventDelivery.Status.DONE, 1)
    with open(celery_worker_process.log_path) as log:
        worker_log = log.read()
    assert "ordermgmt.deliver_domain_event" in worker_log and "succeeded" in worker_log, "ran in the worker"
