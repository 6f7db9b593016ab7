"""Complaint numbers: ``TS`` + ``YYYYMMDD`` (Asia/Shanghai calendar day) + a 4-digit daily
serial, from ``ComplaintSequence`` (``ordermgmt.daily_serials``, as order numbers): concurrent
clerks never receive the same serial."""

from datetime import date

from ordermgmt.daily_serials import take_daily_serials

from .models import ComplaintSequence


def next_complaint_number(day: date) -> str:
    (serial,) = take_daily_serials(ComplaintSequence, day)
    return f"TS{day:%Y%m%d}{serial:04d}"
