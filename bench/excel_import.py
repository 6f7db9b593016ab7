"""Benchmark: Excel batch import of 10,000 lines / 2,500 orders.

    DATABASE_URL=postgres://… .venv/bin/python bench/excel_import.py [--orders 2500] [--lines-per-order 4]

Runs on the configured database server (SQLite by default, or DATABASE_URL, e.g.
PostgreSQL) inside a scratch database it creates and drops (``bench/_setup.py``). In one run:

1. OUR PATH on the generated file: upload → read (python-calamine) → full validation
   (the preview, plan kept) → confirm (orders entered meanwhile and master data versions
   checked again) → every order, line and timeline entry created in one transaction:
   **file→orders**; then the review task of the batch (``orders_review_batch``, what the
   worker runs on commit) reviews, approves and allocates them: **file→reviewed and allocated**;
2. django-import-export's own fast mode on the same file: a ``ModelResource`` with
   ``use_bulk=True, skip_diff=True`` for the order headers, then one for the lines (their
   order and product given as ids: no FK widget lookups);
3. the floor: openpyxl read-only + ``bulk_create`` of the headers and lines, no checks.

The two others do far less (no phone, address, enum or date checks, no duplicates, no
prices, totals, timeline, review or stock).
"""

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
_scratch = tempfile.mkdtemp(prefix="bench-import-")
os.environ.setdefault("MEDIA_ROOT", f"{_scratch}/media")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermgmt.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# As in production: DEBUG off (Django then keeps no log of every query, on either side).
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
# As in production, the import queues the automatic review of the new orders for the Celery
# worker (one message for the batch) and returns; here the message goes to an in-memory
# broker and the bench runs the review itself, as the worker would, timed separately.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("CELERY_RESULT_BACKEND", "cache+memory://")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("SMS_BACKEND", "fulfillment.notifications.sms.LocmemSmsBackend")

from _setup import finish, start  # noqa: E402

_old_database_name = start(suffix="excel")

from django.conf import settings  # noqa: E402

from ordermgmt.celery import app  # noqa: E402

# start() runs tasks eagerly for the other benchmarks; here the review must only be queued.
settings.CELERY_TASK_ALWAYS_EAGER = False
app.conf.task_always_eager = False

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
import tablib  # noqa: E402
from import_export import fields, resources, widgets  # noqa: E402
from import_export.formats.base_formats import XLSX  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from customers.models import Address, Contact, Customer  # noqa: E402
from inventory.models import Product, Warehouse  # noqa: E402
from inventory.services import stock_receive  # noqa: E402
from ordermgmt import roles  # noqa: E402
from orders.importing import services  # noqa: E402
from orders.importing.columns import COLUMNS  # noqa: E402
from orders.models import Channel, ImportJob, Order, OrderEvent, OrderLine, OrderStatus  # noqa: E402
from orders.pricing import line_amounts  # noqa: E402
from orders.tasks import run_auto_review_many  # noqa: E402

CITIES = [("上海市", "上海市", "浦东新区"), ("浙江省", "杭州市", "西湖区"), ("广东省", "深圳市", "南山区"),
          ("北京市", "北京市", "朝阳区"), ("江苏省", "苏州市", "姑苏区"), ("四川省", "成都市", "武侯区")]


def setup_master_data(customer_count: int = 500, product_count: int = 200):
    user, _ = get_user_model().objects.get_or_create(username="bench-sales", defaults={"first_name": "基准"})
    user.groups.add(Group.objects.get(name=roles.SALES))
    if not Customer.objects.filter(code__startswith="B").exists():
        warehouse = Warehouse.objects.create(code="WH-BENCH", name="基准仓")
        Customer.objects.bulk_create(
            # Tax details on file: the file asks for 专票 on some orders.
            Customer(code=f"B{i:05d}", name=f"基准测试客户{i:04d}有限公司", search_key="",
                     tax_number="91350100M000100Y43", bank_name="招商银行", bank_account="6225880123456789")
            for i in range(customer_count)
        )
        customers = list(Customer.objects.filter(code__startswith="B"))
        Contact.objects.bulk_create(
            Contact(customer=c, name="张三", phone=f"138{i:08d}", is_primary=True) for i, c in enumerate(customers)
        )
        Address.objects.bulk_create(
            Address(customer=c, province=p, city=ci, district=d, detail=f"科技路{i}号", is_default=True)
            for i, (c, (p, ci, d)) in enumerate(zip(customers, CITIES * customer_count))
        )
        for i in range(product_count):
            product = Product.objects.create(sku=f"BP{i:04d}", name=f"基准商品{i}", spec=f"规格{i % 7}", unit="件",
                                             list_price=Decimal("10.00") + i, vat_rate=Decimal("0.13"))
            stock_receive(product=product, warehouse=warehouse, quantity=1_000_000, notify=False)
    return user, list(Customer.objects.filter(code__startswith="B").prefetch_related("addresses", "contacts")), list(
        Product.objects.filter(sku__startswith="BP")
    )


def build_file(customers, products, *, orders: int, lines_per_order: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("订单导入")
    sheet.append([column.header for column in COLUMNS])
    delivery = timezone.localdate() + timedelta(days=30)
    for n in range(orders):
        customer = customers[n % len(customers)]
        address = customer.default_address
        contact = customer.primary_contact
        for k in range(lines_per_order):
            product = products[(n * lines_per_order + k) % len(products)]
            sheet.append([
                f"BENCH-{n:05d}", customer.name, contact.name, contact.phone,
                f"{address.province}{address.city}{address.district}{address.detail}",
                product.sku, product.name, product.spec, 1 + (n + k) % 9,
                float(product.list_price) if k % 2 else None,  # half of the prices come from the pricing rule
                "是" if n % 10 == 0 else "否", delivery, "专票" if n % 3 == 0 else "不开票",
                customer.name if n % 3 == 0 else "", "月结", f"基准订单 {n}",
            ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def reset_orders():
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("fulfillment_notificationmessage", "ordermgmt_eventdelivery", "inventory_stockallocation",
                      "inventory_purchaserequest", "orders_reviewcheck", "orders_orderevent", "orders_orderadjustment",
                      "orders_orderline", "orders_order", "orders_importjob"):
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("UPDATE inventory_stockbatch SET quantity_allocated = 0")


# --- django-import-export's fast mode: ModelResource(use_bulk=True, skip_diff=True) ----------

class FastOrderResource(resources.ModelResource):
    """The order headers, one row per 外部单号; the customer given as an id (no FK widget)."""

    external_ref = fields.Field(attribute="external_ref", column_name="外部单号")
    customer_id = fields.Field(attribute="customer_id", column_name="customer_id", widget=widgets.IntegerWidget())
    contact_name = fields.Field(attribute="contact_name", column_name="联系人")
    contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话")
    ship_address = fields.Field(attribute="ship_address", column_name="收货地址")
    invoice_title = fields.Field(attribute="invoice_title", column_name="发票抬头")
    notes = fields.Field(attribute="notes", column_name="备注")

    class Meta:
        model = Order
        fields = ("external_ref", "customer_id", "contact_name", "contact_phone", "ship_address", "invoice_title", "notes")
        use_bulk = True
        skip_diff = True
        force_init_instance = True  # new rows only: no lookup of an existing instance per row
        batch_size = 1000

    def before_import(self, dataset, **kwargs):
        self.serial = 0

    def before_save_instance(self, instance, row, **kwargs):
        # The least a model needs to be saved at all.
        self.serial += 1
        instance.number = f"IE{self.serial:08d}"
        instance.channel = Channel.IMPORT
        instance.ship_province = instance.ship_city = "—"
        instance.invoice_title = instance.invoice_title or ""
        instance.notes = instance.notes or ""


class FastLineResource(resources.ModelResource):
    """The lines; their order and product given as ids (no FK widget)."""

    order_id = fields.Field(attribute="order_id", column_name="order_id", widget=widgets.IntegerWidget())
    product_id = fields.Field(attribute="product_id", column_name="product_id", widget=widgets.IntegerWidget())
    quantity = fields.Field(attribute="quantity", column_name="数量", widget=widgets.IntegerWidget())
    unit_price = fields.Field(attribute="unit_price", column_name="单价(元)", widget=widgets.DecimalWidget())

    class Meta:
        model = OrderLine
        fields = ("order_id", "product_id", "quantity", "unit_price")
        use_bulk = True
        skip_diff = True
        force_init_instance = True  # new rows only: no lookup of an existing instance per row
        batch_size = 1000

    def before_import(self, dataset, **kwargs):
        self.line_numbers = {}
        self.products = {p.pk: p for p in Product.objects.all()}

    def before_save_instance(self, instance, row, **kwargs):
        product = self.products[instance.product_id]
        self.line_numbers[instance.order_id] = self.line_numbers.get(instance.order_id, 0) + 1
        instance.line_no = self.line_numbers[instance.order_id]
        instance.product_sku, instance.product_name, instance.unit = product.sku, product.name, product.unit
        instance.vat_rate = product.vat_rate
        if instance.unit_price is None:
            instance.unit_price = product.list_price
        instance.amount, instance.tax_amount = line_amounts(instance.quantity, instance.unit_price, product.vat_rate)


def run_import_export(data: bytes) -> float:
    started = time.perf_counter()
    dataset = XLSX().create_dataset(data)
    customers = dict(Customer.objects.values_list("name", "pk"))
    headers, seen = tablib.Dataset(headers=dataset.headers + ["customer_id"]), set()
    for row in dataset.dict:
        if row["外部单号"] not in seen:
            seen.add(row["外部单号"])
            headers.append([*row.values(), customers[row["客户名称"]]])
    result = FastOrderResource().import_data(headers, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    orders = dict(Order.objects.values_list("external_ref", "pk"))
    products = dict(Product.objects.values_list("sku", "pk"))
    dataset.append_col([orders[ref] for ref in dataset["外部单号"]], header="order_id")
    dataset.append_col([products[sku] for sku in dataset["商品编码"]], header="product_id")
    result = FastLineResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    return time.perf_counter() - started


# --- the floor: openpyxl read-only + bulk_create, no checks at all -----------------------------

def run_floor(data: bytes) -> float:
    started = time.perf_counter()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = workbook.active.iter_rows(min_row=2, values_only=True)
    customers = dict(Customer.objects.values_list("name", "pk"))
    products = {p.sku: p for p in Product.objects.all()}
    by_ref: dict[str, list] = {}
    for row in rows:
        by_ref.setdefault(row[0], []).append(row)
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            Order(number=f"FL{n:08d}", external_ref=ref, customer_id=customers[lines[0][1]], contact_name=lines[0][2],
                  contact_phone=str(lines[0][3]), ship_province="—", ship_city="—", ship_address=lines[0][4],
                  channel=Channel.IMPORT)
            for n, (ref, lines) in enumerate(by_ref.items())
        )
        order_lines = []
        for order, lines in zip(orders, by_ref.values()):
            for line_no, row in enumerate(lines, start=1):
                product = products[row[5]]
                price = Decimal(str(row[9])) if row[9] is not None else product.list_price
                amount, tax = line_amounts(row[8], price, product.vat_rate)
                order_lines.append(OrderLine(order=order, line_no=line_no, product=product, product_sku=product.sku,
                                             product_name=product.name, unit=product.unit, quantity=row[8],
                                             unit_price=price, vat_rate=product.vat_rate, amount=amount, tax_amount=tax))
        OrderLine.objects.bulk_create(order_lines)
    return time.perf_counter() - started


# --- our path -----------------------------------------------------------------------------------

def run_ours(user, data: bytes) -> dict:
    timings = {}
    started = time.perf_counter()
    job = services.import_job_create(user=user, name="bench.xlsx", content=data)
    job = services.import_job_validate(job=job)
    timings["upload + validate (preview)"] = time.perf_counter() - started
    assert job.status == ImportJob.Status.READY, (job.status, job.problems[:5])
    mark = time.perf_counter()
    job = services.import_job_confirm(job=job, user=user, accept_warnings=True)
    job = services.import_job_run(job=job)
    timings["confirm: re-check + create"] = time.perf_counter() - mark
    timings["file→orders"] = time.perf_counter() - started
    assert job.status == ImportJob.Status.IMPORTED, (job.status, job.message)
    mark = time.perf_counter()
    ids = list(Order.objects.filter(number__in=job.created_orders).values_list("pk", flat=True))
    reviewed = run_auto_review_many(ids)  # what the worker runs for the batch on commit
    timings["review + approve + allocate (worker)"] = time.perf_counter() - mark
    timings["file→reviewed and allocated"] = time.perf_counter() - started
    timings["reviewed"] = reviewed
    timings["allocated"] = Order.objects.filter(status=OrderStatus.ALLOCATED).count()
    timings["orders"] = Order.objects.count()
    timings["lines"] = OrderLine.objects.count()
    timings["events"] = OrderEvent.objects.count()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2500)
    parser.add_argument("--lines-per-order", type=int, default=4)
    args = parser.parse_args()

    user, customers, products = setup_master_data()
    reset_orders()
    started = time.perf_counter()
    data = build_file(customers, products, orders=args.orders, lines_per_order=args.lines_per_order)
    lines = args.orders * args.lines_per_order
    print(f"database: {connection.vendor}   file: {args.orders} orders × {args.lines_per_order} lines = "
          f"{lines} lines, {len(data) / 1024:.0f} KB (generated in {time.perf_counter() - started:.2f} s)")
    print(f"cores: {os.cpu_count()}; load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    # Warm up imports and caches once so that no side pays for module loading.
    from ordermgmt.addresses import parse_addresses

    parse_addresses(["上海市浦东新区张江路1号"])

    ours = run_ours(user, data)
    assert ours["orders"] == args.orders and ours["lines"] == lines
    reset_orders()
    fast = run_import_export(data)
    assert Order.objects.count() == args.orders and OrderLine.objects.count() == lines
    reset_orders()
    floor = run_floor(data)
    assert Order.objects.count() == args.orders and OrderLine.objects.count() == lines
    reset_orders()

    print()
    print("OUR PATH (calamine read, validation at the preview, re-check at the confirmation, bulk creation,")
    print("          then the batch review of the worker: checks, approval, FIFO allocation, timeline, notices)")
    for label in ("upload + validate (preview)", "confirm: re-check + create", "file→orders",
                  "review + approve + allocate (worker)", "file→reviewed and allocated"):
        print(f"  {label:<40} {ours[label]:8.2f} s")
    print(f"  created: {ours['orders']} orders, {ours['lines']} lines, {ours['events']} timeline events; "
          f"{ours['reviewed']} reviewed, {ours['allocated']} allocated")
    print("DJANGO-IMPORT-EXPORT ModelResource(use_bulk=True, skip_diff=True, force_init_instance=True),")
    print("          headers then lines, customer, order and product given as ids")
    print(f"  {'file→orders':<40} {fast:8.2f} s")
    print("FLOOR: openpyxl read-only + bulk_create, no checks")
    print(f"  {'file→orders':<40} {floor:8.2f} s")
    print()
    print(f"FILE→ORDERS ours={ours['file→orders']:.2f}s import-export={fast:.2f}s floor={floor:.2f}s; "
          f"FILE→REVIEWED AND ALLOCATED ours={ours['file→reviewed and allocated']:.2f}s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    try:
        main()
    finally:
        finish(_old_database_name)
