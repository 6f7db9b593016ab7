"""Complaint numbers: ``TS`` + ``YYYYMMDD`` (Asia/Shanghai calendar day) + a 4-digit daily
serial, from one atomic upsert on ``ComplaintSequence`` (as order numbers, orders/numbering.py):
concurrent clerks queue on the day's row and never receive the same serial."""

from datetime import date

from django.db import connection

from .models import ComplaintSequence

_TABLE = ComplaintSequence._meta.db_table

_UPSERT = (
    f"INSERT INTO {_TABLE} (day, last_serial) VALUES (%s, 1) "
    f"ON CONFLICT (day) DO UPDATE SET last_serial = {_TABLE}.last_serial + 1 "
    f"RETURNING last_serial"
)


def next_complaint_number(day: date) -> str:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [day.isoformat()])
        (serial,) = cursor.fetchone()
    return f"TS{day:%Y%m%d}{serial:04d}"
