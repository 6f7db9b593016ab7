"""Reviews and allocations spread over several real Celery workers (PostgreSQL + Redis):
no order reviewed twice or lost, no unit allocated twice, no deadlock — on one hot product
that every order wants."""

import time
from decimal import Decimal

import pytest
from django.db.models import Count, F, Sum

from inventory.models import StockAllocation, StockBatch
from ordermgmt.queueing import enqueue
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from orders.services import AWAITING_REVIEW, LineInput, NewOrder, order_create_many
from tests.factories import CustomerFactory, ProductFactory, details_for, receive

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery_worker,
              pytest.mark.django_db(transaction=True)]

ORDERS = 160


def wait_until(predicate, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def backlog(reference_data):
    """160 orders waiting for their review, every one wanting 1–3 of the hot product
    (stock for about half of them, in three batches) and some of a second one."""
    hot = ProductFactory(sku="HOT-1", list_price=Decimal("10.00"))
    other = ProductFactory(sku="COLD-1", list_price=Decimal("5.00"))
    for days_ago, quantity in ((3, 60), (2, 60), (1, 40)):
        receive(hot, quantity, days_ago=days_ago)
    receive(other, 20000)
    customers = [CustomerFactory(credit_limit=Decimal("10000000")) for _ in range(8)]
    entries = [
        NewOrder(details=details_for(customers[n % 8], external_ref=f"HOT-{n:04d}",
                                     priority="urgent" if n % 7 == 0 else "normal"),
                 # The second line makes every order different (no duplicate warnings).
                 lines=[LineInput(product=hot, quantity=1 + n % 3), LineInput(product=other, quantity=1 + n)])
        for n in range(ORDERS)
    ]
    created = order_create_many(user=None, orders=entries, auto_review=False)
    return {"hot": hot, "ids": [order.pk for order in created]}


def test_four_workers_review_and_allocate_a_hot_product_without_double_allocation(celery_workers, backlog):
    workers = celery_workers(4)
    ids = backlog["ids"]
    # Every order is in two overlapping batches, and two workers also drain the queue:
    # the same orders are wanted by several workers at once.
    for start in range(0, len(ids), 20):
        enqueue("orders.tasks.run_auto_review_many", ids[start:start + 40])
    enqueue("orders.tasks.review_backlog", 15)
    enqueue("orders.tasks.review_backlog", 15)

    assert wait_until(lambda: not Order.objects.filter(AWAITING_REVIEW, pk__in=ids).exists()), "orders left unreviewed"
    time.sleep(3)  # the last tasks finish (they find nothing left to do)

    reviews = dict(OrderEvent.objects.filter(order_id__in=ids, action="auto_review").values("order_id")
                   .annotate(n=Count("id")).values_list("order_id", "n"))
    assert set(reviews) == set(ids) and set(reviews.values()) == {1}, "every order reviewed exactly once"

    active = StockAllocation.State.ACTIVE
    for batch in StockBatch.objects.filter(product=backlog["hot"]):
        allocated = StockAllocation.objects.filter(batch=batch, state=active).aggregate(n=Sum("quantity"))["n"] or 0
        assert batch.quantity_allocated == allocated <= batch.quantity_remaining
    over_allocated = (OrderLine.objects.filter(order_id__in=ids).annotate(got=Sum("allocations__quantity"))
                      .filter(got__gt=0).exclude(got=F("quantity")))
    assert not over_allocated.exists(), "a line got more (or less) than it ordered"

    allocated_orders = Order.objects.filter(pk__in=ids, status=OrderStatus.ALLOCATED)
    units = OrderLine.objects.filter(order__in=allocated_orders, product=backlog["hot"]).aggregate(n=Sum("quantity"))["n"]
    assert units == sum(b.quantity_allocated for b in StockBatch.objects.filter(product=backlog["hot"]))
    assert units <= 160 and allocated_orders.count() > 40, "the hot stock went to orders, each unit once"
    held = Order.objects.filter(pk__in=ids, status=OrderStatus.PENDING_REVIEW)
    assert held.count() == len(ids) - allocated_orders.count()
    assert not held.exclude(checks__name="stock", checks__result="warn").exists(), "an order not allocated waits for stock"

    logs = workers.logs()
    assert "deadlock detected" not in logs
    assert "succeeded" in logs and "orders.tasks.run_auto_review_many" in logs
    assert sum(1 for p in workers.processes if p.poll() is None) == 4, "all four workers are still running"
    assert sum("succeeded" in log for log in workers.logs_by_worker()) >= 3, "the work was spread over the workers"

