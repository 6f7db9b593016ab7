from datetime import date

import pytest

from ordermgmt.models import CalendarDay
from ordermgmt.workdays import add_working_days, is_working_day, working_days_between
from tests.factories import calendar_day

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
    calendar_day(date(2027, 2, 8), CalendarDay.Kind.HOLIDAY, "春节")
    calendar_day(date(2027, 2, 13), CalendarDay.Kind.WORKDAY, "春节调休")
    assert not is_working_day(date(2027, 2, 8))
    # Friday 5 Feb + 3 working days: Mon 8 is a holiday → Tue 9, Wed 10, Thu 11.
    assert add_working_days(date(2027, 2, 5), 3) == date(2027, 2, 11)
    # Saturday 13 Feb is worked.
    assert add_working_days(date(2027, 2, 12), 1) == date(2027, 2, 13)


def test_counting_into_a_year_nobody_entered_is_logged_once_per_year(caplog, monkeypatch):
    from ordermgmt import workdays

    monkeypatch.setattr(workdays, "_warned_years", set())
    with caplog.at_level("WARNING", logger="ordermgmt.workdays"):
        add_working_days(date(2026, 12, 1), 3)
        assert caplog.records == [], "2026 is known"
        add_working_days(date(2026, 12, 31), 3)
        add_working_days(date(2027, 3, 1), 10)
        assert is_working_day(date(2027, 5, 3))
    assert [record.getMessage() for record in caplog.records] == [
        "No 放假安排 for 2027: working days in 2027 are counted Monday to Friday until a 主管 enters "
        "and confirms the year's arrangement in the portal"
    ]
