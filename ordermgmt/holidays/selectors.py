"""Reading a year of the working-day calendar for the portal: its status, its holidays and
its twelve months day by day."""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import chinese_calendar

from ..models import CalendarChange, CalendarDay, CalendarYear
from ..workdays import covered_by_package
from .plans import HOLIDAY, WORKDAY, HolidayEntry

PACKAGE, CONFIRMED, ENTERED, MISSING = "package", "confirmed", "entered", "missing"


@dataclass(frozen=True)
class YearStatus:
    year: int
    source: str  # PACKAGE, CONFIRMED, ENTERED (not confirmed yet) or MISSING
    calendar_year: CalendarYear | None

    @property
    def is_known(self) -> bool:
        return self.source in (PACKAGE, CONFIRMED)


def year_status(year: int) -> YearStatus:
    row = CalendarYear.objects.select_related("confirmed_by").filter(year=year).first()
    if covered_by_package(year):
        return YearStatus(year, PACKAGE, row)
    if row is not None and row.is_confirmed:
        return YearStatus(year, CONFIRMED, row)
    if row is not None and row.days.exists():
        return YearStatus(year, ENTERED, row)
    return YearStatus(year, MISSING, row)


def _package_name(english: str) -> str:
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english


def _package_days(year: int) -> dict[date, tuple[str, str]]:
    if not covered_by_package(year):
        return {}
    days = {day: (HOLIDAY, _package_name(name)) for day, name in chinese_calendar.holidays.items() if day.year == year}
    days.update({day: (WORKDAY, _package_name(name)) for day, name in chinese_calendar.workdays.items() if day.year == year})
    return days


def year_arrangement(year: int) -> list[HolidayEntry]:
    """The holidays of ``year`` in calendar order: as entered in the portal, or — for a
    year the chinese-calendar package covers and nobody corrected — as the package has them."""
    rows = {day: (kind, name) for day, kind, name in
            CalendarDay.objects.filter(calendar_year__year=year).values_list("day", "kind", "name")}
    days = rows or _package_days(year)
    by_name: dict[str, dict[str, list[date]]] = defaultdict(lambda: {HOLIDAY: [], WORKDAY: []})
    for day, (kind, name) in sorted(days.items()):
        by_name[name][kind].append(day)
    entries = [HolidayEntry(name, tuple(d[HOLIDAY]), tuple(d[WORKDAY])) for name, d in by_name.items()]
    return sorted(entries, key=lambda e: e.first_day or (e.workdays[0] if e.workdays else date.max))


@dataclass(frozen=True)
class DayCell:
    day: date
    kind: str  # "holiday", "workday" (调休上班), "weekend" or "" (an ordinary working day)
    name: str = ""
    guessed: bool = False  # decided by the Monday-to-Friday rule in a year nobody entered


@dataclass(frozen=True)
class MonthGrid:
    month: int
    weeks: list[list[DayCell | None]]  # Monday first; None outside the month


def year_grid(year: int, *, known: bool) -> list[MonthGrid]:
    stored = {day: (kind, name) for day, kind, name in CalendarDay.objects.filter(
        day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)).values_list("day", "kind", "name")}
    package = _package_days(year)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([_cell(day, stored, package, known) if day.month == month else None for day in week])
        months.append(MonthGrid(month, weeks))
    return months


def _cell(day: date, stored: dict, package: dict, known: bool) -> DayCell:
    kind, name = stored.get(day) or package.get(day) or ("", "")
    if kind:
        return DayCell(day, kind, name)
    return DayCell(day, "weekend" if day.weekday() >= 5 else "", guessed=not known)


def year_changes(year: int):
    return CalendarChange.objects.filter(calendar_year__year=year).select_related("changed_by")
