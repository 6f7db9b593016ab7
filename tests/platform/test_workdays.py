from datetime import date

import pytest

from ordermgmt.models import CalendarDay
from ordermgmt.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db


def test_weekends_are_skipped():
    # Friday 2026-11-20 + 1 working day = Monday 2026-11-23.
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1


def test_statutory_holidays_and_adjusted_working_days_come_from_chinese_calendar():
    # National Day 2026: 1–7 October off; Saturday 10 October is an adjusted working day.
    assert not is_working_day(date(2026, 10, 1))
    assert is_working_day(date(2026, 10, 10))
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_the_database_calendar_covers_years_the_package_does_not_know():
    # 2027 is beyond the package's data: weekdays work unless the calendar says otherwise.
    assert is_working_day(date(2027, 2, 8))
    CalendarDay.objects.create(day=date(2027, 2, 8), kind=CalendarDay.Kind.HOLIDAY, name="春节")
    CalendarDay.objects.create(day=date(2027, 2, 13), kind=CalendarDay.Kind.WORKDAY, name="春节调休")
    assert not is_working_day(date(2027, 2, 8))
    # Friday 5 Feb + 3 working days: Mon 8 is a holiday → Tue 9, Wed 10, Thu 11.
    assert add_working_days(date(2027, 2, 5), 3) == date(2027, 2, 11)
    # Saturday 13 Feb is worked.
    assert add_working_days(date(2027, 2, 12), 1) == date(2027, 2, 13)
