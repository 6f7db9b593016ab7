"""The automatic review travels through Redis to a real Celery worker process."""

import time

import pytest

from orders.models import Order, OrderStatus
from tests.factories import ProductFactory, make_order, receive

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_submitted_order_is_reviewed_and_allocated_by_the_worker(celery_worker_process):
    product = ProductFactory(list_price="100.00")
    receive(product, 10)
    order = make_order(lines=[(product, 4, "100.00")])  # commits: the review task goes to Redis

    assert wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.ALLOCATED), (
        "the worker did not review and allocate the order"
    )
    order.refresh_from_db()
    assert order.events.get(action="approve").actor_name == "系统"
    assert order.checks.count() == 6
    assert celery_worker_process.poll() is None, "the worker is still running"
    with open(celery_worker_process.log_path) as log:
        worker_log = log.read()
    assert "orders.tasks.run_auto_review" in worker_log and "succeeded" in worker_log, "ran in the worker, not eagerly"
