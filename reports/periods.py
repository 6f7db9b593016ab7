"""Report periods: calendar days in Asia/Shanghai, start and end both included."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the project's time zone."""
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def month_range(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return first, next_first - timedelta(days=1)


def previous_month(day: date) -> tuple[date, date]:
    return month_range(day.replace(day=1) - timedelta(days=1))


def same_month_last_year(start: date) -> tuple[date, date]:
    return month_range(start.replace(year=start.year - 1, day=1))
