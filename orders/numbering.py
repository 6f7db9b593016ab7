"""Order numbers: ``YYYYMMDD`` (Asia/Shanghai calendar day) + a 4-digit daily serial.

The serial comes from one atomic upsert on ``DailyOrderSequence``: concurrent creators
queue on that row, each receives a different serial, and no number is ever handed out
twice. A rolled-back transaction gives its serial back with it; numbers skipped for any
other reason (a deleted order) are simply gaps, which is acceptable. Past 9,999 orders in
one day the serial grows to five digits rather than wrapping around.
"""

from datetime import date

from django.db import connection

from .models import DailyOrderSequence

_TABLE = DailyOrderSequence._meta.db_table

_UPSERT = (
    f"INSERT INTO {_TABLE} (day, last_serial) VALUES (%s, 1) "
    f"ON CONFLICT (day) DO UPDATE SET last_serial = {_TABLE}.last_serial + 1 "
    f"RETURNING last_serial"
)


def next_order_number(day: date) -> str:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [day.isoformat()])
        (serial,) = cursor.fetchone()
    return f"{day:%Y%m%d}{serial:04d}"


_RESERVE = (
    f"INSERT INTO {_TABLE} (day, last_serial) VALUES (%s, %s) "
    f"ON CONFLICT (day) DO UPDATE SET last_serial = {_TABLE}.last_serial + %s "
    f"RETURNING last_serial"
)


def reserve_order_numbers(day: date, count: int) -> list[str]:
    """``count`` consecutive numbers of ``day`` in one statement (batch import).

    Same guarantees as ``next_order_number``: the upsert moves the day's counter by
    ``count`` atomically, so concurrent creators get disjoint ranges.
    """
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_RESERVE, [day.isoformat(), count, count])
        (last,) = cursor.fetchone()
    return [f"{day:%Y%m%d}{serial:04d}" for serial in range(last - count + 1, last + 1)]
