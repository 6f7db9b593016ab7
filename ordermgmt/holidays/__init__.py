"""The working-day calendar's 放假安排, kept by a 主管 in the portal.

chinese-calendar knows the years up to its last release (1.11: 2026). For the years after,
a 主管 enters each year's arrangement as the State Council's notice lists it — in a form,
or as an Excel file — and confirms it once complete; until then due dates in that year
are counted Monday to Friday and the 主管's dashboard says how many (``ordermgmt.workdays``).

``plans`` checks entries and works out what they would change without writing anything;
``services`` writes a plan the 主管 has previewed and confirms a year, logging every change;
``workbook`` writes the Excel template and reads an upload with row/column messages;
``selectors`` lays out a year for the page; ``views`` are the portal pages (主管 only).
"""

from .plans import ArrangementPlan, ArrangementRefused, DayChange, HolidayEntry, Problem, arrangement_plan
from .services import arrangement_apply, calendar_year_confirm, check_may_maintain

__all__ = [
    "ArrangementPlan", "ArrangementRefused", "DayChange", "HolidayEntry", "Problem", "arrangement_apply",
    "arrangement_plan", "calendar_year_confirm", "check_may_maintain",
]
