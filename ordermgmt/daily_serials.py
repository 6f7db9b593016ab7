"""Daily serials (order numbers, complaint numbers): one atomic upsert on a model with a
unique ``day`` and a ``last_serial`` counter. Concurrent callers queue on the day's row and
receive disjoint serials; a rolled-back transaction gives its serials back with it."""

from datetime import date

from django.db import connection


def take_daily_serials(model, day: date, count: int = 1) -> range:
    """``count`` consecutive serials of ``day`` from ``model``'s counter, in one statement."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last_serial) VALUES (%s, %s) "
            f"ON CONFLICT (day) DO UPDATE SET last_serial = {table}.last_serial + %s "
            f"RETURNING last_serial",
            [day.isoformat(), count, count],
        )
        (last,) = cursor.fetchone()
    return range(last - count + 1, last + 1)
