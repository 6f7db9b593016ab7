"""Working days in mainland China: weekends, public holidays and adjusted working days (调休).

Order of authority for a date: a ``CalendarDay`` row kept in the database (entered by an
administrator, e.g. next year's holidays as soon as the State Council publishes them) →
the ``chinese-calendar`` package for the years it covers → Monday to Friday.
"""

from datetime import date, timedelta

import chinese_calendar


def _overrides(start: date, end: date) -> dict[date, str]:
    from .models import CalendarDay

    return dict(CalendarDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "kind"))


def _default_is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_working_day(day: date) -> bool:
    kind = _overrides(day, day).get(day)
    if kind is not None:
        return kind == "workday"
    return _default_is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    # Holidays never last more than ~10 days in a row: fetch overrides for a generous window.
    overrides = _overrides(start, start + timedelta(days=days * 3 + 30))
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        kind = overrides.get(current)
        working = (kind == "workday") if kind is not None else _default_is_working_day(current)
        if working:
            counted += 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
    if end <= start:
        return 0
    overrides = _overrides(start, end)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        kind = overrides.get(current)
        if (kind == "workday") if kind is not None else _default_is_working_day(current):
            count += 1
    return count
