"""Working days in mainland China: weekends, public holidays and adjusted working days (调休).

Order of authority for a date: a ``CalendarDay`` row kept in the database (a year's 放假安排
entered by a 主管 in the portal, e.g. next year's as soon as the State Council publishes it)
→ the ``chinese-calendar`` package for the years it covers → Monday to Friday.

A year is *known* when the package covers it or a 主管 has confirmed its arrangement
(``CalendarYear.confirmed_at``). Deciding a day of an unknown year by the Monday-to-Friday
rule is a guess: it is logged (once per year and process, not per call) and the 主管's
dashboard counts the due dates that fall in such a year.
"""

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.conf import settings
from django.utils import timezone

from .models import CalendarDay, CalendarYear

logger = logging.getLogger(__name__)

HOLIDAY, WORKDAY = "holiday", "workday"  # CalendarDay.Kind values

# The years the installed chinese-calendar has data for (1.11: 2004–2026).
PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

_warned_years: set[int] = set()
_warned_lock = threading.Lock()


def covered_by_package(year: int) -> bool:
    return year in PACKAGE_YEARS


def unknown_years(years: Iterable[int]) -> list[int]:
    """The years among ``years`` that neither the package nor a confirmed arrangement covers."""
    beyond = {year for year in years if not covered_by_package(year)}
    if not beyond:
        return []
    confirmed = set(
        CalendarYear.objects.filter(year__in=beyond, confirmed_at__isnull=False).values_list("year", flat=True)
    )
    return sorted(beyond - confirmed)


def is_known_year(year: int) -> bool:
    return not unknown_years([year])


@dataclass(frozen=True)
class _Window:
    """What the database says about a span of days, read once per calculation."""

    overrides: dict[date, str]
    unknown: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == WORKDAY
        if day.year in self.unknown:
            _warn_guessing(day.year)
        return _default_is_working_day(day)


def _window(start: date, end: date, *, as_before: Mapping[date, str | None] | None = None) -> _Window:
    """``as_before`` lays the kinds some days had before a change (None: no row) over the
    database, to count with the calendar as it was."""
    overrides = dict(CalendarDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "kind"))
    for day, kind in (as_before or {}).items():
        if kind is None:
            overrides.pop(day, None)
        else:
            overrides[day] = kind
    return _Window(overrides, frozenset(unknown_years(range(start.year, end.year + 1))))


def _default_is_working_day(day: date) -> bool:
    if covered_by_package(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def _warn_guessing(year: int) -> None:
    if year in _warned_years:
        return
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    logger.warning(
        "No 放假安排 for %s: working days in %s are counted Monday to Friday until a 主管 enters "
        "and confirms the year's arrangement in the portal", year, year,
    )


def is_working_day(day: date) -> bool:
    return _window(day, day).is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    # Holidays never last more than ~10 days in a row: fetch overrides for a generous window.
    window = _window(start, start + timedelta(days=days * 3 + 30))
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if window.is_working_day(current):
            counted += 1
    return current


def working_days_between(start: date, end: date, *, as_before: Mapping[date, str | None] | None = None) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start).

    ``as_before`` counts with some days as they were before a change of the calendar
    (``{day: kind or None}``), e.g. to learn how many working days a due date was given.
    """
    if end <= start:
        return 0
    window = _window(start, end, as_before=as_before)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if window.is_working_day(current):
            count += 1
    return count


# --- working time (hours within working days) -----------------------------------------------
# Dwell-time thresholds and complaint due times are counted in working time: the hours
# between WORKING_DAY_HOURS (a setting, "09:00"–"18:00" Asia/Shanghai by default) on working
# days. A moment outside them counts from the next opening; nights, weekends, holidays and
# 调休 are skipped by the same calendar as the working days above.

def working_day_hours() -> tuple[time, time]:
    opening, closing = (time.fromisoformat(value) for value in settings.WORKING_DAY_HOURS)
    if closing <= opening:
        raise ValueError("WORKING_DAY_HOURS: the day must close after it opens")
    return opening, closing


def working_day_length() -> timedelta:
    opening, closing = working_day_hours()
    return datetime.combine(date.min, closing) - datetime.combine(date.min, opening)


def _open_span(day: date, window: _Window, zone) -> tuple[datetime, datetime] | None:
    if not window.is_working_day(day):
        return None
    opening, closing = working_day_hours()
    return (datetime.combine(day, opening, tzinfo=zone), datetime.combine(day, closing, tzinfo=zone))


def _calendar_span(duration: timedelta) -> timedelta:
    """Calendar days enough to hold ``duration`` of working time, holidays included."""
    days = duration / working_day_length()
    return timedelta(days=int(days * 3) + 30)


def add_working_time(start: datetime, duration: timedelta) -> datetime:
    """The moment ``duration`` of working time after ``start`` (aware; answered in the local zone)."""
    if duration < timedelta(0):
        raise ValueError("duration must be >= 0")
    zone = timezone.get_current_timezone()
    cursor = timezone.localtime(start, zone)
    window = _window(cursor.date(), cursor.date() + _calendar_span(duration))
    remaining, day = duration, cursor.date()
    while True:
        span = _open_span(day, window, zone)
        if span is not None:
            begin = max(span[0], cursor)
            if begin < span[1]:
                available = span[1] - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """Working time from ``start`` to ``end`` (zero when end <= start)."""
    if end <= start:
        return timedelta(0)
    zone = timezone.get_current_timezone()
    start, end = timezone.localtime(start, zone), timezone.localtime(end, zone)
    window = _window(start.date(), end.date())
    total, day = timedelta(0), start.date()
    while day <= end.date():
        span = _open_span(day, window, zone)
        if span is not None:
            begin, finish = max(span[0], start), min(span[1], end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total


def working_time_before(end: datetime, duration: timedelta) -> datetime:
    """The latest moment from which ``duration`` of working time has passed by ``end``: what
    started before it is past a threshold of ``duration`` at ``end``. One calculation
    answers the question for every row (``status_changed_at__lt=working_time_before(now, …)``)."""
    if duration < timedelta(0):
        raise ValueError("duration must be >= 0")
    zone = timezone.get_current_timezone()
    cursor = timezone.localtime(end, zone)
    window = _window(cursor.date() - _calendar_span(duration), cursor.date())
    remaining, day = duration, cursor.date()
    while True:
        span = _open_span(day, window, zone)
        if span is not None:
            finish = min(span[1], cursor)
            if finish > span[0]:
                available = finish - span[0]
                if remaining <= available:
                    return finish - remaining
                remaining -= available
        day -= timedelta(days=1)
