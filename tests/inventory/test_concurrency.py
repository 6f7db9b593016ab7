"""Stock allocation under real concurrency on PostgreSQL: separate connections, row locks.

Each worker thread has its own database connection (Django opens one per thread), so the
row locks taken by ``select_for_update`` are really contended.
"""

import random
import threading
from collections import defaultdict

import pytest
from django.db import connection
from django.db.models import Sum

from inventory.models import StockAllocation, StockBatch
from inventory.services import stock_receive
from orders import services
from orders.models import Order, OrderStatus
from tests.factories import CustomerFactory, ProductFactory, WarehouseFactory, make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(jobs):
    """Start every job at the same moment, each in its own thread; collect errors."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait(timeout=60)
            job()
        except Exception as error:  # reported by the assertion of the caller
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    return errors


def waiting_orders(products_per_order, count, quantity):
    """Approved orders with nothing allocated: created while there is no stock."""
    customer = CustomerFactory(credit_limit=10**9)
    orders = []
    for index in range(count):
        lines = [(product, quantity(index), "1.00") for product in products_per_order(index)]
        order = services.order_approve(order=make_order(customer=customer, lines=lines), user=None)
        assert order.status == OrderStatus.APPROVED
        orders.append(order)
    return orders


def three_batches(product, sizes=(20, 20, 10)):
    warehouse = WarehouseFactory(code="WH-CONC")
    from datetime import timedelta

    from django.utils import timezone

    return [
        stock_receive(product=product, warehouse=warehouse, quantity=size, notify=False,
                      received_at=timezone.now() - timedelta(days=30 - index))
        for index, size in enumerate(sizes)
    ]


def assert_batches_consistent():
    for batch in StockBatch.objects.all():
        active = StockAllocation.objects.filter(batch=batch, state="active").aggregate(n=Sum("quantity"))["n"] or 0
        assert batch.quantity_allocated == active, batch.batch_no
        assert 0 <= batch.quantity_allocated <= batch.quantity_remaining, batch.batch_no


def try_allocate(order):
    return lambda: services.order_try_allocate(order=Order.objects.get(pk=order.pk), user=None)


def test_200_concurrent_allocations_of_one_unit_allocate_exactly_the_50_in_stock(on_postgres):
    product = ProductFactory()
    orders = waiting_orders(lambda i: [product], 200, lambda i: 1)
    three_batches(product)

    errors = run_concurrently([try_allocate(order) for order in orders])

    assert errors == []
    allocated = Order.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.ALLOCATED)
    assert allocated.count() == 50
    assert StockAllocation.objects.filter(state="active").aggregate(n=Sum("quantity"))["n"] == 50
    assert_batches_consistent()
    assert set(StockBatch.objects.values_list("quantity_allocated", "quantity_remaining")) == {(20, 20), (10, 10)}


def test_200_concurrent_allocations_of_mixed_sizes_never_oversell(on_postgres):
    product = ProductFactory()
    sizes = random.Random(7).choices([1, 2, 3, 5], k=200)
    orders = waiting_orders(lambda i: [product], 200, lambda i: sizes[i])
    three_batches(product)

    errors = run_concurrently([try_allocate(order) for order in orders])

    assert errors == []
    assert_batches_consistent()
    total_allocated = StockAllocation.objects.filter(state="active").aggregate(n=Sum("quantity"))["n"] or 0
    left = 50 - total_allocated
    assert 0 <= left
    by_order = defaultdict(int)
    for allocation in StockAllocation.objects.filter(state="active").select_related("order_line"):
        by_order[allocation.order_line.order_id] += allocation.quantity
    for order, size in zip(orders, sizes):
        order.refresh_from_db()
        if order.status == OrderStatus.ALLOCATED:
            assert by_order[order.pk] == size, "an allocated order has all of its quantity"
        else:
            assert by_order[order.pk] == 0, "a refused order holds nothing"
            assert size > left, "an order that would still fit was refused"


def test_concurrent_release_and_reallocation_across_two_products_stay_consistent(on_postgres):
    chairs, desks = ProductFactory(), ProductFactory()
    # Lines in both orders (chairs, desks) and (desks, chairs): locking by primary key
    # must prevent the classic deadlock.
    pairs = lambda i: [chairs, desks] if i % 2 else [desks, chairs]  # noqa: E731
    holders = waiting_orders(pairs, 50, lambda i: 1)
    three_batches(chairs)
    three_batches(desks)
    for order in holders:
        assert services.order_try_allocate(order=order, user=None).allocated
    waiting = waiting_orders(pairs, 100, lambda i: 1)

    jobs = [lambda o=o: services.order_cancel(order=Order.objects.get(pk=o.pk), user=None, reason="并发释放") for o in holders]
    jobs += [try_allocate(order) for order in waiting]
    random.Random(11).shuffle(jobs)
    errors = run_concurrently(jobs)

    assert errors == []
    assert_batches_consistent()
    assert Order.objects.filter(pk__in=[o.pk for o in holders], status=OrderStatus.CANCELLED).count() == 50
    allocated = Order.objects.filter(pk__in=[o.pk for o in waiting], status=OrderStatus.ALLOCATED).count()
    active = StockAllocation.objects.filter(state="active")
    assert active.count() == allocated * 2
    assert allocated <= 50
    # Every unit is either allocated or available again: nothing lost, nothing created.
    for product in (chairs, desks):
        totals = StockBatch.objects.filter(product=product).aggregate(on_hand=Sum("quantity_remaining"), allocated=Sum("quantity_allocated"))
        assert totals["on_hand"] == 50 and totals["allocated"] == allocated


# --- warehouse rules, expiry and changes of warehouse (issue 19) -------------------------

def test_concurrent_routed_allocations_and_warehouse_changes_never_oversell(on_postgres, reference_data):
    """Guangdong orders served by the rule GZ → SH (single warehouse first, else split), an
    expired batch in GZ that must never be taken, and 仓库管理员 moving allocated orders to SH
    while the others allocate: every order has all or nothing, no batch oversold."""
    from fulfillment import services as ff
    from inventory.services.warehouse_rules import parse_warehouse_codes, warehouse_rule_save
    from ordermgmt import roles
    from tests.factories import user_with_role

    from datetime import timedelta

    from django.utils import timezone

    milk = ProductFactory(tracks_expiry=True)
    guangzhou, shanghai = WarehouseFactory(code="GZ", name="广州仓"), WarehouseFactory(code="SH", name="上海仓")
    warehouse_rule_save(user=None, name="华南", province="广东省", warehouses=parse_warehouse_codes("GZ, SH"))
    today = timezone.localdate()
    customer = CustomerFactory(credit_limit=10**9)
    sizes = random.Random(5).choices([1, 2, 3], k=120)
    orders = []
    for size in sizes:
        order = make_order(customer=customer, lines=[(milk, size, "1.00")], ship_province="广东省", ship_city="广州市")
        orders.append(services.order_approve(order=order, user=None))
    expired = stock_receive(product=milk, warehouse=guangzhou, quantity=500, notify=False, expiry_date=today - timedelta(days=1))
    for warehouse, quantity in ((guangzhou, 40), (shanghai, 60)):
        stock_receive(product=milk, warehouse=warehouse, quantity=quantity, notify=False,
                      expiry_date=today + timedelta(days=90))
    movers = orders[:20]
    for order in movers:
        assert services.order_try_allocate(order=Order.objects.get(pk=order.pk), user=None).allocated
    clerk = user_with_role(roles.WAREHOUSE)

    def move(order):
        return lambda: _ignore_business_refusals(lambda: ff.order_change_warehouse(
            order=Order.objects.get(pk=order.pk), warehouse=shanghai, user=clerk))

    jobs = [move(order) for order in movers] + [try_allocate(order) for order in orders[20:]]
    random.Random(13).shuffle(jobs)
    errors = run_concurrently(jobs)

    assert errors == []
    assert_batches_consistent()
    expired.refresh_from_db()
    assert expired.quantity_allocated == 0
    by_order = defaultdict(int)
    for allocation in StockAllocation.objects.filter(state="active").select_related("order_line"):
        by_order[allocation.order_line.order_id] += allocation.quantity
    for order, size in zip(orders, sizes):
        order.refresh_from_db()
        assert by_order[order.pk] == (size if order.status == OrderStatus.ALLOCATED else 0)
    assert sum(by_order.values()) <= 100


def _ignore_business_refusals(action):
    """A move refused for lack of stock in the target warehouse is a correct outcome here."""
    from ordermgmt.errors import BusinessError

    try:
        action()
    except BusinessError:
        pass


# --- receipts ---------------------------------------------------------------------------

@pytest.fixture
def tasks_run_on_commit():
    """The allocation after a receipt runs in the receiving thread when its transaction
    commits (eager Celery), so that each worker's run of it really races the other's."""
    from ordermgmt.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def test_20_receipts_of_one_product_at_once_get_20_consecutive_batch_numbers(on_postgres, tasks_run_on_commit):
    from django.utils import timezone

    product = ProductFactory(sku="CONC-1")
    warehouse = WarehouseFactory(code="WH-CONC")

    errors = run_concurrently([
        lambda: stock_receive(product=product, warehouse=warehouse, quantity=5, reason="并发入库")
        for _ in range(20)
    ])

    assert errors == []
    prefix = f"B{timezone.localdate():%Y%m%d}-CONC-1-"
    numbers = sorted(StockBatch.objects.filter(product=product).values_list("batch_no", flat=True))
    assert numbers == [f"{prefix}{serial:03d}" for serial in range(1, 21)]


def test_two_products_received_at_once_allocate_every_order_waiting_for_them(on_postgres, tasks_run_on_commit,
                                                                           reference_data):
    """Each receipt allocates the waiting orders of its product after commit; orders that
    need both products are in both runs. Neither run may stop at an order the other run
    allocated first, and neither receipt may report an error: both were saved."""
    from ordermgmt import roles
    from tests.factories import user_with_role

    clerk = user_with_role(roles.WAREHOUSE)
    warehouse = WarehouseFactory(code="WH-CONC")
    trials = []
    for _ in range(4):
        chairs, desks = ProductFactory(), ProductFactory()
        needs = lambda i: [[chairs], [desks], [chairs, desks]][i % 3]  # noqa: E731
        orders = waiting_orders(needs, 30, lambda i: 1)  # 20 chairs and 20 desks wanted in all

        errors = run_concurrently([
            lambda product=product: stock_receive(product=product, warehouse=warehouse, quantity=20, user=clerk)
            for product in (chairs, desks)
        ])

        still_waiting = Order.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.APPROVED).count()
        allocated = StockBatch.objects.filter(product__in=[chairs, desks]).aggregate(n=Sum("quantity_allocated"))["n"]
        trials.append({"errors": errors, "still_waiting": still_waiting, "allocated": allocated})

    assert trials == [{"errors": [], "still_waiting": 0, "allocated": 40}] * 4
    assert_batches_consistent()
