"""Order intake throughput: N orders of 1–5 lines through the real services
(order_create → automatic review → approval → FIFO allocation), against a raw-SQL
baseline that inserts the same order, line and event rows in the same run.

    .venv/bin/python bench/intake.py [--orders 5000] [--keepdb]

Runs on the configured database (DATABASE_URL), in a scratch database it creates.
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


def run_services(work):
    from django.db import transaction

    from orders.models import Order, OrderStatus
    from orders.services import LineInput, OrderDetails, order_create

    start_time = time.perf_counter()
    for customer, lines in work:
        details = OrderDetails(
            customer=customer, contact_name="张三", contact_phone="13812345678",
            ship_province="上海市", ship_city="上海市", ship_address="张江路100号",
        )
        # One order = one transaction; the review queued on commit runs eagerly right after.
        with transaction.atomic():
            order_create(user=None, details=details,
                         lines=[LineInput(product=p, quantity=q, unit_price=p.list_price) for p, q in lines])
    elapsed = time.perf_counter() - start_time
    allocated = Order.objects.filter(status=OrderStatus.ALLOCATED).count()
    return elapsed, allocated


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--keepdb", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()
    old_name = start(args.keepdb, suffix="intake")
    try:

        rng = random.Random(42)
        customers, products = build_master_data(rng)
        work = plan(rng, customers, products, args.orders)
        lines = sum(len(l) for _, l in work)
        print(f"orders: {args.orders}, lines: {lines}")

        service_seconds, allocated = run_services(work)
        service_rate = args.orders / service_seconds
        print(f"services (create → auto review → approve → allocate): {service_seconds:8.2f} s  "
              f"{service_rate:8.1f} orders/s  ({allocated} allocated)", flush=True)
        raw_seconds = run_raw_sql(plan(random.Random(43), customers, products, args.orders))
        raw_rate = args.orders / raw_seconds
        print(f"raw SQL baseline (orders + lines + 1 event):          {raw_seconds:8.2f} s  {raw_rate:8.1f} orders/s")
        print(f"ratio raw/services: {raw_rate / service_rate:.1f}× (the price of every rule, lock and timeline event)")
    finally:
        finish(old_name, args.keepdb)


if __name__ == "__main__":
    main()
