"""Transfers and counts racing allocation on PostgreSQL: separate connections, real row locks
(helpers of tests/inventory/test_concurrency.py)."""

import random

import pytest
from django.db.models import Sum

from inventory.ledger import ledger_differences
from inventory.models import CountStatus, StockAllocation, StockBatch, StockCount, TransferOrder, TransferStatus
from inventory.services import stock_receive
from inventory.services.counts import CountScope, count_post, count_record, count_start
from inventory.services.transfers import transfer_create, transfer_ship
from orders.models import Order, OrderStatus
from tests.factories import ProductFactory, WarehouseFactory
from tests.inventory.test_concurrency import assert_batches_consistent, run_concurrently, try_allocate, waiting_orders

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_transfer_out_and_allocation_on_one_batch_never_oversell(on_postgres):
    """One batch of 30; 40 orders of 1 and 10 transfers of 3 race for it. Every unit goes to
    exactly one of them, the transfers that lost are refused whole, nothing is lost."""
    product = ProductFactory()
    source, destination = WarehouseFactory(code="WH-SRC"), WarehouseFactory(code="WH-DST")
    orders = waiting_orders(lambda i: [product], 40, lambda i: 1)  # before the stock: they wait
    batch = stock_receive(product=product, warehouse=source, quantity=30, notify=False)
    transfers = [transfer_create(source=source, destination=destination, lines=[(product, 3)], user=None)
                 for _ in range(10)]
    jobs = [try_allocate(order) for order in orders]
    jobs += [lambda t=t: transfer_ship(transfer=TransferOrder.objects.get(pk=t.pk), user=None) for t in transfers]
    random.Random(5).shuffle(jobs)

    errors = run_concurrently(jobs)

    assert all("InsufficientStock" in error for error in errors), errors
    shipped = TransferOrder.objects.filter(status=TransferStatus.SHIPPED).count()
    assert len(errors) == 10 - shipped
    allocated = Order.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.ALLOCATED).count()
    batch.refresh_from_db()
    assert batch.quantity_remaining == 30 - 3 * shipped
    assert batch.quantity_allocated == allocated <= batch.quantity_remaining
    assert allocated + 3 * shipped <= 30
    assert allocated + 3 * shipped > 27, "stock was left that a waiting order could have had"
    assert_batches_consistent()
    assert ledger_differences() == []


def test_a_count_posted_while_orders_allocate_keeps_every_promise(on_postgres):
    """Counted 25 of 40 on the shelf while 30 orders of 1 allocate: either the posting comes
    first (then at most 25 are allocated) or it finds more than 25 allocated and refuses with
    the reason; never an allocation beyond what is on hand, and the ledger still balances."""
    outcomes = []
    for trial in range(3):
        product = ProductFactory()
        warehouse = WarehouseFactory(code=f"WH-CNT{trial}")
        orders = waiting_orders(lambda i: [product], 30, lambda i: 1)  # before the stock: they wait
        stock_receive(product=product, warehouse=warehouse, quantity=40, notify=False)
        count = count_start(scope=CountScope(warehouse=warehouse), user=None, tolerance=100)
        count_record(count=count, user=None, counted={count.lines.get().pk: 25})
        jobs = [try_allocate(order) for order in orders]
        jobs.insert(random.Random(trial).randrange(len(jobs)),
                    lambda c=count: count_post(count=StockCount.objects.get(pk=c.pk), user=None))

        errors = run_concurrently(jobs)

        count.refresh_from_db()
        batch = StockBatch.objects.get(product=product)
        allocated = StockAllocation.objects.filter(batch=batch, state="active").aggregate(n=Sum("quantity"))["n"] or 0
        if count.status == CountStatus.POSTED:
            assert errors == []
            assert batch.quantity_remaining == 25 and allocated <= 25
        else:
            assert len(errors) == 1 and "不能少于已分配数量" in errors[0], errors
            assert batch.quantity_remaining == 40 and allocated > 25
        assert batch.quantity_allocated == allocated
        outcomes.append(count.status)
    assert_batches_consistent()
    assert ledger_differences() == []
