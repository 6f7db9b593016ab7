"""Closing a month (结账)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from ordermgmt.errors import InvalidInput
from ordermgmt.periods import PeriodClosed

from ..models import ClosedPeriod
from .common import check_permission


def month_of(day: date) -> date:
    return day.replace(day=1)


def period_guard(*, on: date, what: str) -> None:
    """Registered with ``ordermgmt.periods`` (FinanceConfig.ready): refuses a record dated in a
    closed month."""
    if ClosedPeriod.objects.filter(month=month_of(on)).exists():
        raise PeriodClosed(f"{on:%Y年%m月} 已结账，不能{what}（日期 {on:%Y-%m-%d}）；请在未结账的月份做冲销",
                           code="period_closed")


@transaction.atomic
def period_close(*, month: date, user, note: str = "") -> ClosedPeriod:
    """A 主管 closes a month that is over; a closed month stays closed."""
    check_permission(user, "finance.close_period", "结账")
    month = month_of(month)
    if month >= month_of(timezone.localdate()):
        raise InvalidInput(f"{month:%Y年%m月} 还没有结束，不能结账")
    try:
        with transaction.atomic():
            return ClosedPeriod.objects.create(month=month, closed_by=user, note=note.strip()[:200])
    except IntegrityError:
        raise InvalidInput(f"{month:%Y年%m月} 已经结账") from None
