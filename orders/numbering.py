"""Order numbers: ``YYYYMMDD`` (Asia/Shanghai calendar day) + a 4-digit daily serial.

The serial comes from one atomic upsert on ``DailyOrderSequence`` (``ordermgmt.daily_serials``): concurrent creators
queue on that row, each receives a different serial, and no number is ever handed out
twice. A rolled-back transaction gives its serial back with it; numbers skipped for any
other reason (a deleted order) are simply gaps, which is acceptable. Past 9,999 orders in
one day the serial grows to five digits rather than wrapping around.
"""

from datetime import date

from ordermgmt.daily_serials import take_daily_serials

from .models import DailyOrderSequence


def next_order_number(day: date) -> str:
    (serial,) = take_daily_serials(DailyOrderSequence, day)
    return f"{day:%Y%m%d}{serial:04d}"


def reserve_order_numbers(day: date, count: int) -> list[str]:
    """``count`` consecutive numbers of ``day`` in one statement (batch import), with the
    same guarantees as ``next_order_number``: concurrent creators get disjoint ranges."""
    if count <= 0:
        return []
    return [f"{day:%Y%m%d}{serial:04d}" for serial in take_daily_serials(DailyOrderSequence, day, count)]
