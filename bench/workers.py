"""Draining a backlog of orders waiting for their automatic review with 1 and with 2 real
Celery worker processes (PostgreSQL + Redis).

    DATABASE_URL=postgres://… REDIS_URL=redis://…/n .venv/bin/python bench/workers.py [--orders 5000]

The orders (1–5 lines over 500 products, stock for all) are entered with
``order_create_many`` and left waiting; then, for each worker count, the review state is
reset, the workers are started, each is given one ``orders.tasks.review_backlog`` task
(claim 100 orders with FOR UPDATE SKIP LOCKED, review and allocate them, commit, again)
and the time until no order waits any more is printed, with the speed-up, the number of
cores and the load average (the machine is shared: the speed-up needs free cores).
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal

from _setup import ROOT, finish, start


def build_backlog(count: int) -> None:
    from django.utils import timezone

    from customers.models import Address, Contact, Customer
    from inventory.models import Product, Warehouse
    from inventory.services import stock_receive
    from orders.services import LineInput, NewOrder, OrderDetails, order_create_many

    rng = random.Random(7)
    warehouse = Warehouse.objects.create(code="WH-BENCH", name="基准仓")
    customers = []
    for index in range(200):
        customer = Customer.objects.create(code=f"W{index:05d}", name=f"并行客户{index}有限公司",
                                           credit_limit=Decimal("1000000000"))
        Contact.objects.create(customer=customer, name="张三", phone="13812345678", is_primary=True)
        Address.objects.create(customer=customer, province="上海市", city="上海市", detail="张江路100号", is_default=True)
        customers.append(customer)
    products = [Product.objects.create(sku=f"WP{i:05d}", name=f"并行商品{i}", list_price=Decimal("20.00"))
                for i in range(500)]
    for product in products:
        for age in (20, 10):
            stock_receive(product=product, warehouse=warehouse, quantity=100_000, notify=False,
                          received_at=timezone.now() - timedelta(days=age))
    for first in range(0, count, 500):
        entries = []
        for n in range(first, min(first + 500, count)):
            lines = [LineInput(product=p, quantity=rng.randint(1, 20)) for p in rng.sample(products, rng.randint(1, 5))]
            entries.append(NewOrder(details=OrderDetails(
                customer=rng.choice(customers), contact_name="张三", contact_phone="13812345678",
                ship_province="上海市", ship_city="上海市", ship_address="张江路100号", external_ref=f"BL-{n:06d}"),
                lines=lines))
        order_create_many(user=None, orders=entries, auto_review=False)


def reset_reviews() -> None:
    """Every order back to waiting for its review, the stock untouched."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in (
            "DELETE FROM fulfillment_notificationmessage",
            "DELETE FROM ordermgmt_eventdelivery",
            "DELETE FROM inventory_stockallocation",
            "DELETE FROM inventory_purchaserequest",
            "DELETE FROM orders_reviewcheck",
            "DELETE FROM orders_orderevent WHERE action <> 'create'",
            "UPDATE orders_order SET status = 'pending_review', review_blockers = '[]', awaiting_manager = false,"
            " needs_manual_review = false, approved_at = NULL, allocated_at = NULL",
            "UPDATE inventory_stockbatch SET quantity_allocated = 0",
        ):
            cursor.execute(statement)


def waiting() -> int:
    from orders.models import Order
    from orders.services import AWAITING_REVIEW

    return Order.objects.filter(AWAITING_REVIEW).count()


def drain(count: int, env: dict, queue: str) -> float:
    from ordermgmt.celery import app
    from ordermgmt.queueing import enqueue

    reset_reviews()
    app.control.purge()  # the notices queued by the previous run are not this run's work
    processes = []
    for index in range(count):
        log = open(f"/tmp/bench-workers-{queue}-{index}.log", "w")
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ordermgmt", "worker", "--pool=solo", "-Q", queue,
             "-n", f"{queue}-{index}@localhost", "-l", "warning", "--without-gossip", "--without-mingle",
             "--prefetch-multiplier=1", "-O", "fair"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        ))
    try:
        names = {f"{queue}-{index}@localhost" for index in range(count)}
        deadline = time.monotonic() + 90
        while names and time.monotonic() < deadline:
            # Ready once each worker's consumer takes tasks from the queue (it answers pings earlier).
            answers = app.control.inspect(destination=sorted(names), timeout=1).active_queues() or {}
            names -= {name for name, queues in answers.items() if any(q["name"] == queue for q in queues)}
        assert not names, f"workers did not start: {names}"
        time.sleep(1)
        started = time.perf_counter()
        for _ in range(count):
            enqueue("orders.tasks.review_backlog", 100)
        while waiting():
            time.sleep(0.1)
        return time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        sys.exit("REDIS_URL is needed (the workers take their tasks from Redis)")
    old_name = start(args.keepdb, suffix="workers")
    try:
        from django.conf import settings
        from django.db import connection

        from ordermgmt.celery import app
        from orders.models import Order, OrderStatus

        db = connection.settings_dict
        if connection.vendor != "postgresql":
            sys.exit("PostgreSQL is needed (the workers are separate processes)")
        queue = f"bench-workers-{os.getpid()}"
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.task_always_eager = False
        app.conf.broker_url = redis_url
        app.conf.task_default_queue = queue
        auth = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
        env = {**os.environ, "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               "REDIS_URL": redis_url, "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_TASK_DEFAULT_QUEUE": queue,
               "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
               "SMS_BACKEND": "fulfillment.notifications.sms.LocmemSmsBackend", "LOG_LEVEL": "WARNING"}
        if not Order.objects.exists():
            started = time.perf_counter()
            build_backlog(args.orders)
            print(f"backlog: {args.orders} orders entered in {time.perf_counter() - started:.1f} s", flush=True)
        total = Order.objects.count()
        print(f"cores: {os.cpu_count()}; load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        times = {}
        for count in (1, 2):
            times[count] = drain(count, env, queue)
            allocated = Order.objects.filter(status=OrderStatus.ALLOCATED).count()
            print(f"{count} worker{'s' if count > 1 else ''}: {times[count]:7.2f} s  {total / times[count]:7.1f} orders/s"
                  f"  ({allocated} of {total} allocated)", flush=True)
        print(f"SPEEDUP 2 workers / 1 worker = {times[1] / times[2]:.2f}x  (cores: {os.cpu_count()}, load average: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    finally:
        finish(old_name, args.keepdb)


if __name__ == "__main__":
    main()
