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
from datetime import date, timedelta

import chinese_calendar

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
