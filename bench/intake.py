"""Order intake throughput: N orders of 1–5 lines, in one run on the configured database,

- naive ORM: Order.objects.create + a create per line + one event, a transaction per
  order, no rules at all (the yardstick);
- one by one: ``order_create`` → automatic review → approval → FIFO allocation → timeline
  → notices written to the outbox, a transaction per order (the portal, the API's single create);
- batch path: ``order_create_many`` → ``orders_review_batch`` (an import, the API's batch);
- raw SQL: the same order, line and event rows inserted with plain SQL;

printing orders/s and SQL statements per order for each, and the lines
``RATIO batch/naive=X.XX`` and ``RATIO single/naive=X.XX``. Every run starts from the
same stock and no orders.

    DATABASE_URL=postgres://… .venv/bin/python bench/intake.py [--orders 1000] [--batch-size 500] [--keepdb]

Runs in a scratch database it creates (bench/_setup.py).
"""

import argparse
import random
import time
from decimal import Decimal

from _setup import finish, start


def build_master_data(rng):
    from datetime import timedelta

    from django.utils import timezone

    from customers.models import Address, Contact, Customer
    from inventory.models import Product, Warehouse
    from inventory.services import stock_receive

    warehouse = Warehouse.objects.create(code="WH-BENCH", name="基准仓")
    customers = []
    for index in range(100):
        customer = Customer.objects.create(code=f"B{index:05d}", name=f"基准客户{index}有限公司",
                                           credit_limit=Decimal("1000000000"))
        Contact.objects.create(customer=customer, name="张三", phone="13812345678", is_primary=True)
        Address.objects.create(customer=customer, province="上海市", city="上海市", detail="张江路100号", is_default=True)
        customers.append(customer)
    products = []
    for index in range(300):
        product = Product.objects.create(sku=f"BP{index:05d}", name=f"基准商品{index}", unit="件",
                                         list_price=Decimal(rng.choice(["9.90", "35.00", "120.00", "480.00"])))
        for age in (60, 30, 5):
            stock_receive(product=product, warehouse=warehouse, quantity=10_000, notify=False,
                          received_at=timezone.now() - timedelta(days=age))
        products.append(product)
    return customers, products


def plan(rng, customers, products, count):
    return [
        (rng.choice(customers), [(p, rng.randint(1, 20)) for p in rng.sample(products, rng.randint(1, 5))])
        for _ in range(count)
    ]


def _details(customer):
    from orders.services import OrderDetails

    return OrderDetails(customer=customer, contact_name="张三", contact_phone="13812345678",
                        ship_province="上海市", ship_city="上海市", ship_address="张江路100号")


def _lines(lines):
    from orders.services import LineInput

    return [LineInput(product=p, quantity=q, unit_price=p.list_price) for p, q in lines]


def allocated_count() -> int:
    from orders.models import Order, OrderStatus

    return Order.objects.filter(status=OrderStatus.ALLOCATED).count()


def run_naive_orm(work):
    """No rules at all: Order.objects.create, a create per line and one event, one
    transaction per order (what a hand-written intake without review would do)."""
    from django.db import transaction
    from django.utils import timezone

    from orders.models import Order, OrderEvent, OrderLine

    start_time = time.perf_counter()
    for index, (customer, lines) in enumerate(work):
        with transaction.atomic():
            subtotal = sum((p.list_price * q for p, q in lines), Decimal("0"))
            tax = (subtotal * Decimal("0.13")).quantize(Decimal("0.01"))
            order = Order.objects.create(
                number=f"N{index:011d}", customer=customer, contact_name="张三", contact_phone="13812345678",
                ship_province="上海市", ship_city="上海市", ship_address="张江路100号",
                goods_amount=subtotal, subtotal=subtotal, tax_amount=tax, total=subtotal + tax,
            )
            for line_no, (product, quantity) in enumerate(lines, start=1):
                amount = product.list_price * quantity
                OrderLine.objects.create(
                    order=order, line_no=line_no, product=product, product_sku=product.sku, product_name=product.name,
                    unit=product.unit, quantity=quantity, unit_price=product.list_price, vat_rate=product.vat_rate,
                    amount=amount, tax_amount=(amount * product.vat_rate).quantize(Decimal("0.01")),
                )
            OrderEvent.objects.create(order=order, kind="created", action="create", to_status=order.status,
                                      actor_name="系统", created_at=timezone.now())
    return time.perf_counter() - start_time


def run_services(work):
    """One by one, as the portal and the API's single create: ``order_create`` in its own
    transaction; the review task (eager here, a worker in production) reviews, approves
    and allocates it when the transaction commits."""
    from django.db import transaction

    from orders.services import order_create

    start_time = time.perf_counter()
    for customer, lines in work:
        with transaction.atomic():
            order_create(user=None, details=_details(customer), lines=_lines(lines))
    return time.perf_counter() - start_time


def run_batch(work, batch_size: int):
    """As a batch (the Excel import, the API's batch endpoint): ``order_create_many`` per
    ``batch_size`` orders; the review task of the batch runs on commit (``orders_review_batch``)."""
    from orders.services import NewOrder, order_create_many

    start_time = time.perf_counter()
    for first in range(0, len(work), batch_size):
        entries = [NewOrder(details=_details(customer), lines=_lines(lines)) for customer, lines in work[first:first + batch_size]]
        order_create_many(user=None, orders=entries)
    return time.perf_counter() - start_time


def run_raw_sql(work):
    """The same orders, lines and one event per order, inserted with plain SQL in one
    transaction: what writing the rows costs with no rules at all."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    start_time = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for index, (customer, lines) in enumerate(work):
            subtotal = sum((p.list_price * q for p, q in lines), Decimal("0"))
            tax = (subtotal * Decimal("0.13")).quantize(Decimal("0.01"))
            cursor.execute(
                "INSERT INTO orders_order (number, status, customer_id, external_ref, contact_name, contact_phone,"
                " contact_email, ship_province, ship_city, ship_district, ship_address, channel, order_type, priority,"
                " requested_delivery_date, packaging_note, notes, invoice_type, invoice_title, payment_method,"
                " goods_amount, discount_amount, freight_amount, freight_waived, freight_waiver_reason,"
                " subtotal, tax_amount, total, paid_amount, refunded_amount, returned_amount, review_blockers,"
                " needs_manual_review, awaiting_manager,"
                " priority_score, created_at, updated_at, status_changed_at, status_before_after_sales)"
                " VALUES (%s,'pending_review',%s,'','张三','13812345678','','上海市','上海市','','张江路100号','phone',"
                "'stock','normal',NULL,'','','none','','bank_transfer',%s,0,0,false,'',%s,%s,%s,0,0,0,'[]',false,false,0,"
                "%s,%s,%s,'') RETURNING id",
                [f"R{index:011d}", customer.pk, subtotal, subtotal, tax, subtotal + tax, now, now, now],
            )
            (order_id,) = cursor.fetchone()
            cursor.executemany(
                "INSERT INTO orders_orderline (order_id, line_no, product_id, product_sku, product_name, product_spec,"
                " unit, quantity, unit_price, vat_rate, amount, discount, tax_amount, list_price, rule_price,"
                " price_source, price_explanation, override_reason)"
                " VALUES (%s,%s,%s,%s,%s,'','件',%s,%s,0.13,%s,0,%s,%s,%s,'list','','')",
                [
                    (order_id, n, p.pk, p.sku, p.name, q, p.list_price, p.list_price * q,
                     (p.list_price * q * Decimal("0.13")).quantize(Decimal("0.01")), p.list_price, p.list_price)
                    for n, (p, q) in enumerate(lines, start=1)
                ],
            )
            cursor.execute(
                "INSERT INTO orders_orderevent (order_id, kind, action, from_status, to_status, actor_name, reason,"
                " data, created_at) VALUES (%s,'created','create','','pending_review','系统','','{}',%s)",
                [order_id, now],
            )
    return time.perf_counter() - start_time


def reset_orders():
    """Every run starts from the same stock and no orders."""
    from django.db import connection, transaction

    tables = ["fulfillment_notificationmessage", "ordermgmt_eventdelivery", "inventory_stockallocation",
              "inventory_purchaserequest", "orders_reviewcheck", "orders_orderevent", "orders_orderadjustment",
              "orders_orderline", "orders_order", "orders_dailyordersequence"]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("UPDATE inventory_stockbatch SET quantity_allocated = 0")


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(label, run, orders):
    from django.db import connection

    reset_orders()
    counter = StatementCounter()
    with connection.execute_wrapper(counter):
        seconds = run()
    rate = orders / seconds
    allocated = allocated_count()
    print(f"{label:<58} {seconds:8.2f} s {rate:9.1f} orders/s {counter.count / orders:7.1f} queries/order"
          f"  ({allocated} allocated)", flush=True)
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=500, help="orders per order_create_many call")
    parser.add_argument("--keepdb", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()
    old_name = start(args.keepdb, suffix="intake")
    try:
        import os

        from django.db import connection

        from fulfillment.services import notifications

        # The notices are written to the outbox in each order's transaction, as in
        # production; sending them is the outbox worker's own task, not the intake's.
        handed_to_outbox = []
        notifications.dispatch = handed_to_outbox.extend

        rng = random.Random(42)
        customers, products = build_master_data(rng)
        work = plan(rng, customers, products, args.orders)
        lines = sum(len(l) for _, l in work)
        print(f"orders: {args.orders}, lines: {lines}; database: {connection.vendor}; cores: {os.cpu_count()}; "
              f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

        naive = measure("naive ORM (create + a create per line + 1 event, no rules)",
                        lambda: run_naive_orm(work), args.orders)
        single = measure("one by one: order_create → review → approve → allocate",
                         lambda: run_services(work), args.orders)
        batch = measure(f"batch path: order_create_many ({args.batch_size}) → orders_review_batch",
                        lambda: run_batch(work, args.batch_size), args.orders)
        measure("raw SQL (orders + lines + 1 event, one transaction)",
                lambda: run_raw_sql(plan(random.Random(43), customers, products, args.orders)), args.orders)
        print(f"notices written to the outbox during the runs: {len(handed_to_outbox)}")
        print(f"RATIO batch/naive={batch / naive:.2f}")
        print(f"RATIO single/naive={single / naive:.2f}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        finish(old_name, args.keepdb)


if __name__ == "__main__":
    main()
