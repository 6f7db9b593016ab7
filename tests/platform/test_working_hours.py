"""Working time: the hours 09:00–18:00 (Asia/Shanghai) of working days — weekends, holidays
and 调休 skipped by the working-day calendar."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from ordermgmt.models import CalendarDay
from ordermgmt.workdays import add_working_time, working_time_before, working_time_between
from tests.factories import calendar_day

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


def hours(n):
    return timedelta(hours=n)


def test_time_within_one_working_day_is_plain_time():
    # Wednesday 2026-11-25.
    assert add_working_time(at(2026, 11, 25, 10), hours(4)) == at(2026, 11, 25, 14)
    assert working_time_between(at(2026, 11, 25, 10), at(2026, 11, 25, 14)) == hours(4)


def test_friday_afternoon_plus_four_hours_is_monday_morning():
    # Friday 2026-11-27 16:00 + 4 h: two hours on Friday, two on Monday 30th.
    assert add_working_time(at(2026, 11, 27, 16), hours(4)) == at(2026, 11, 30, 11)
    assert working_time_between(at(2026, 11, 27, 16), at(2026, 11, 30, 11)) == hours(4)
    assert working_time_before(at(2026, 11, 30, 11), hours(4)) == at(2026, 11, 27, 16)


def test_nights_and_weekends_count_nothing():
    assert working_time_between(at(2026, 11, 27, 18), at(2026, 11, 30, 9)) == timedelta(0)
    # Entered on Saturday night: the clock starts on Monday at 09:00.
    assert add_working_time(at(2026, 11, 28, 22), hours(1)) == at(2026, 11, 30, 10)


def test_a_working_day_is_nine_hours_and_holidays_and_adjusted_days_follow_the_calendar():
    # National Day 2026: 1–7 October off, Saturday 10 October worked.
    assert add_working_time(at(2026, 9, 30, 17), hours(2)) == at(2026, 10, 8, 10)
    assert working_time_between(at(2026, 10, 9, 9), at(2026, 10, 12, 9)) == hours(18)


def test_days_entered_by_a_manager_count_beyond_the_package():
    calendar_day(date(2027, 2, 8), CalendarDay.Kind.HOLIDAY, "春节")
    # Friday 2027-02-05 17:00 + 2 h: one hour on Friday, Monday 8th is a holiday → Tuesday 10:00.
    assert add_working_time(at(2027, 2, 5, 17), hours(2)) == at(2027, 2, 9, 10)


def test_before_is_the_inverse_of_add(settings):
    start = at(2026, 11, 26, 15, 30)
    for n in (0.5, 3, 9, 20, 50):
        end = add_working_time(start, hours(n))
        assert working_time_between(start, end) == hours(n)
        assert working_time_before(end, hours(n)) == start


def test_opening_hours_are_a_setting(settings):
    settings.WORKING_DAY_HOURS = ("08:30", "17:30")
    assert add_working_time(at(2026, 11, 27, 17), hours(1)) == at(2026, 11, 30, 9)
