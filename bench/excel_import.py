"""Benchmark: Excel batch import of 10,000 lines / 2,500 orders.

    .venv/bin/python bench/excel_import.py [--orders 2500] [--lines-per-order 4]

Runs on the configured database server (SQLite by default, or DATABASE_URL, e.g.
PostgreSQL) inside a scratch database it creates and drops (``bench/_setup.py``), so it
never touches real data. It

1. generates the file through openpyxl, in the import template's columns;
2. times OUR path: upload → read (python-calamine) → full validation → confirm →
   validation again → all orders, lines and timeline events created in one transaction
   (the same services the portal and the command use);
3. times the BASELINE in the same run: a plain django-import-export ``ModelResource``
   import of the same lines (one resource for the order headers keyed by 外部单号, one
   for the lines), reading the same file through import-export's own XLSX format;
4. prints both and the ratio (target: ours ≥ 10× faster).

The baseline does less work than ours (no phone, address, enum or date checks, no
duplicate detection, no totals, no timeline events), so the ratio is conservative.
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
# broker and is not consumed, so the figures are the import's own. The review's cost per
# order is what bench/intake.py measures.
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
from import_export import fields, resources, widgets  # noqa: E402
from import_export.formats.base_formats import XLSX  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from customers.models import Address, Contact, Customer  # noqa: E402
from inventory.models import Product  # noqa: E402
from ordermgmt import roles  # noqa: E402
from orders.importing import services  # noqa: E402
from orders.importing.columns import COLUMNS  # noqa: E402
from orders.models import Channel, ImportJob, Order, OrderEvent, OrderLine  # noqa: E402
from orders.numbering import next_order_number  # noqa: E402
from orders.pricing import line_amounts  # noqa: E402

CITIES = [("上海市", "上海市", "浦东新区"), ("浙江省", "杭州市", "西湖区"), ("广东省", "深圳市", "南山区"),
          ("北京市", "北京市", "朝阳区"), ("江苏省", "苏州市", "姑苏区"), ("四川省", "成都市", "武侯区")]


def setup_master_data(customer_count: int = 500, product_count: int = 200):
    user, _ = get_user_model().objects.get_or_create(username="bench-sales", defaults={"first_name": "基准"})
    user.groups.add(Group.objects.get(name=roles.SALES))
    if not Customer.objects.filter(code__startswith="B").exists():
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
        Product.objects.bulk_create(
            Product(sku=f"BP{i:04d}", name=f"基准商品{i}", spec=f"规格{i % 7}", unit="件",
                    list_price=Decimal("10.00") + i, vat_rate=Decimal("0.13"))
            for i in range(product_count)
        )
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
    with transaction.atomic():
        OrderEvent.objects.all().delete()
        OrderLine.objects.all().delete()
        Order.objects.all().delete()
        ImportJob.objects.all().delete()


# --- the baseline: plain django-import-export ModelResources ----------------------------------

class BaselineOrderResource(resources.ModelResource):
    external_ref = fields.Field(attribute="external_ref", column_name="外部单号")
    customer = fields.Field(attribute="customer", column_name="客户名称",
                            widget=widgets.ForeignKeyWidget(Customer, "name"))
    contact_name = fields.Field(attribute="contact_name", column_name="联系人")
    contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话")
    ship_address = fields.Field(attribute="ship_address", column_name="收货地址")
    requested_delivery_date = fields.Field(attribute="requested_delivery_date", column_name="期望交付日期",
                                           widget=widgets.DateWidget())
    invoice_title = fields.Field(attribute="invoice_title", column_name="发票抬头")
    notes = fields.Field(attribute="notes", column_name="备注")

    class Meta:
        model = Order
        fields = ("external_ref", "customer", "contact_name", "contact_phone", "ship_address",
                  "requested_delivery_date", "invoice_title", "notes")
        import_id_fields = ("external_ref",)

    def before_save_instance(self, instance, row, **kwargs):
        # The least a model needs to be saved at all.
        if not instance.number:
            instance.number = next_order_number(timezone.localdate())
        instance.channel = Channel.IMPORT
        instance.ship_province = instance.ship_province or "—"
        instance.ship_city = instance.ship_city or "—"
        instance.invoice_title = instance.invoice_title or ""
        instance.notes = instance.notes or ""


class BaselineLineResource(resources.ModelResource):
    order = fields.Field(attribute="order", column_name="外部单号", widget=widgets.ForeignKeyWidget(Order, "external_ref"))
    product = fields.Field(attribute="product", column_name="商品编码", widget=widgets.ForeignKeyWidget(Product, "sku"))
    quantity = fields.Field(attribute="quantity", column_name="数量", widget=widgets.IntegerWidget())
    unit_price = fields.Field(attribute="unit_price", column_name="单价(元)", widget=widgets.DecimalWidget())

    class Meta:
        model = OrderLine
        fields = ("id", "order", "product", "quantity", "unit_price")

    def before_import(self, dataset, **kwargs):
        self.line_numbers = {}

    def before_save_instance(self, instance, row, **kwargs):
        product = instance.product
        self.line_numbers[instance.order_id] = self.line_numbers.get(instance.order_id, 0) + 1
        instance.line_no = self.line_numbers[instance.order_id]
        instance.product_sku, instance.product_name, instance.unit = product.sku, product.name, product.unit
        instance.vat_rate = product.vat_rate
        if instance.unit_price is None:
            instance.unit_price = product.list_price
        instance.amount, instance.tax_amount = line_amounts(instance.quantity, instance.unit_price, product.vat_rate)


def run_baseline(data: bytes) -> tuple[float, int, int]:
    started = time.perf_counter()
    dataset = XLSX().create_dataset(data)
    headers = BaselineOrderResource().import_data(dataset, dry_run=False, raise_errors=True)
    lines = BaselineLineResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not headers.has_errors() and not lines.has_errors()
    return elapsed, Order.objects.count(), OrderLine.objects.count()


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
    timings["confirm: validate again + create"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    assert job.status == ImportJob.Status.IMPORTED, (job.status, job.message)
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
    print(f"database: {connection.vendor}   file: {args.orders} orders × {args.lines_per_order} lines = "
          f"{args.orders * args.lines_per_order} lines, {len(data) / 1024:.0f} KB (generated in {time.perf_counter() - started:.2f} s)")

    # Warm up imports and caches once so neither side pays for module loading.
    from orders.importing.addresses import parse_addresses

    parse_addresses(["上海市浦东新区张江路1号"])

    ours = run_ours(user, data)
    assert ours["orders"] == args.orders and ours["lines"] == args.orders * args.lines_per_order
    reset_orders()
    baseline, baseline_orders, baseline_lines = run_baseline(data)
    assert baseline_orders == args.orders and baseline_lines == args.orders * args.lines_per_order
    reset_orders()

    print()
    print("OUR PATH (calamine read, full validation twice, bulk creation in one transaction)")
    for label in ("upload + validate (preview)", "confirm: validate again + create", "total"):
        print(f"  {label:<36} {ours[label]:8.2f} s")
    print(f"  created: {ours['orders']} orders, {ours['lines']} lines, {ours['events']} timeline events")
    print(f"  throughput: {args.orders * args.lines_per_order / ours['total']:,.0f} lines/s")
    print("BASELINE (plain django-import-export ModelResource: order headers + lines)")
    print(f"  {'total':<36} {baseline:8.2f} s")
    print(f"  created: {baseline_orders} orders, {baseline_lines} lines")
    print(f"  throughput: {args.orders * args.lines_per_order / baseline:,.0f} lines/s")
    ratio = baseline / ours["total"]
    print()
    print(f"RATIO baseline / ours = {ratio:.1f}×   (target ≥ 10×: {'MET' if ratio >= 10 else 'NOT MET'})")


if __name__ == "__main__":
    try:
        main()
    finally:
        finish(_old_database_name)
