"""Automatic batch numbers: ``B`` + receiving day (Asia/Shanghai) + SKU + a daily serial.

The serial comes from one atomic upsert on ``DailyBatchSequence``, like order numbers
(``orders.numbering``): simultaneous receipts of one product queue on that row for the
rest of their transaction and each receives a different serial. A serial whose number is
already taken — typed by hand into the receipt form, or given out before this counter
existed — is passed over.
"""

from datetime import datetime

from django.db import connection
from django.utils import timezone

from .models import DailyBatchSequence, Product, StockBatch

_TABLE = DailyBatchSequence._meta.db_table

_UPSERT = (
    f"INSERT INTO {_TABLE} (product_id, day, last_serial) VALUES (%s, %s, 1) "
    f"ON CONFLICT (product_id, day) DO UPDATE SET last_serial = {_TABLE}.last_serial + 1 "
    f"RETURNING last_serial"
)


def _next_serial(product: Product, day) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [product.pk, day.isoformat()])
        (serial,) = cursor.fetchone()
    return serial


def next_batch_no(product: Product, received_at: datetime) -> str:
    day = timezone.localdate(received_at)
    prefix = f"B{day:%Y%m%d}-{product.sku}-"
    while True:
        batch_no = f"{prefix}{_next_serial(product, day):03d}"
        if not StockBatch.objects.filter(batch_no=batch_no).exists():
            return batch_no
