"""Every write to the working-day calendar: applying a previewed plan, confirming a year.

Each runs in one transaction that first locks the year's ``CalendarYear`` row, so two
主管 saving the same year queue up; each writes a ``CalendarChange`` (who, when, every day
before → after). A change of days publishes ``CalendarChanged`` inside the transaction, so
the due dates that counted over those days move with it (after-sales listens).
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ..domain_events import publish
from ..errors import ActionForbidden, InvalidInput
from ..language import in_platform_language
from ..models import CalendarChange, CalendarDay, CalendarYear
from ..workdays import covered_by_package
from .domain_events import CalendarChanged
from .plans import HOLIDAY, ArrangementPlan, arrangement_plan

logger = logging.getLogger(__name__)

PERMISSION = "ordermgmt.change_calendarday"


def check_may_maintain(user) -> None:
    """``user`` None is the system (a data migration, a command); people must be 主管."""
    if user is not None and not user.has_perm(PERMISSION):
        raise ActionForbidden(gettext("只有主管可以维护放假安排"))


def _lock_year(year: int) -> CalendarYear:
    CalendarYear.objects.get_or_create(year=year)
    return CalendarYear.objects.select_for_update().get(year=year)


# The change log is a record: written in the platform's language whatever the 主管's UI language.
@in_platform_language
@transaction.atomic
def arrangement_apply(*, user, plan: ArrangementPlan) -> CalendarChange | None:
    """Write what the 主管 saw in the preview. The plan is worked out again under the
    year's lock: if the calendar changed since the preview, nothing is written. Returns
    the change record (None when the plan changes nothing)."""
    check_may_maintain(user)
    calendar_year = _lock_year(plan.year)
    current = arrangement_plan(year=plan.year, entries=plan.entries, replaces=plan.replaces)
    if current.fingerprint != plan.fingerprint:
        raise InvalidInput(gettext("%(year)s 年的放假安排在您预览之后已被修改，请重新预览后再确认") % {"year": plan.year})
    if not current.changes:
        return None
    _write_days(calendar_year, current)
    change = CalendarChange.objects.create(
        calendar_year=calendar_year, action=current.action, summary=current.summary()[:300],
        details=[c.as_data() for c in current.changes], changed_by=user,
    )
    logger.info("Holiday arrangement of %s changed by %s: %s", plan.year, user, change.summary)
    publish(CalendarChanged(changes={c.day: c.before[0] if c.before else None for c in current.changes}))
    return change


def _write_days(calendar_year: CalendarYear, plan: ArrangementPlan) -> None:
    """Rows of other years' arrangements are never touched: a new day is inserted, and the
    database refuses it should another year have claimed the day meanwhile."""
    own = CalendarDay.objects.filter(calendar_year=calendar_year)
    own.filter(day__in=[c.day for c in plan.changes if c.after is None]).delete()
    for change in plan.changes:
        if change.after is None:
            continue
        kind, name = change.after
        if change.before is None:
            CalendarDay.objects.create(calendar_year=calendar_year, day=change.day, kind=kind, name=name)
        else:
            own.filter(day=change.day).update(kind=kind, name=name)


@in_platform_language
@transaction.atomic
def calendar_year_confirm(*, user, year: int, notice: str = "") -> CalendarYear:
    """The 主管 has entered the whole of ``year``'s notice: from now on the calendar knows
    the year, and due dates in it are no longer reported as counted Monday to Friday."""
    check_may_maintain(user)
    if covered_by_package(year):
        raise InvalidInput(gettext("%(year)s 年的放假安排系统已内置，无需确认") % {"year": year})
    calendar_year = _lock_year(year)
    if calendar_year.is_confirmed:
        raise InvalidInput(gettext("%(year)s 年的放假安排已经确认过") % {"year": year})
    if not calendar_year.days.filter(kind=HOLIDAY).exists():
        raise InvalidInput(gettext("%(year)s 年还没有录入任何假期，不能确认") % {"year": year})
    notice = (notice or "").strip()[:100]
    calendar_year.confirmed_at, calendar_year.confirmed_by, calendar_year.notice = timezone.now(), user, notice
    calendar_year.save(update_fields=["confirmed_at", "confirmed_by", "notice"])
    summary = gettext("确认 %(year)s 年放假安排已完整录入") % {"year": year}
    if notice:
        summary += gettext("（依据：%(notice)s）") % {"notice": notice}
    CalendarChange.objects.create(
        calendar_year=calendar_year, action=CalendarChange.Action.CONFIRM, summary=summary, changed_by=user
    )
    logger.info("Holiday arrangement of %s confirmed by %s", year, user)
    return calendar_year
