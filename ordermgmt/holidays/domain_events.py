"""What the working-day calendar announces (see ``ordermgmt.domain_events``)."""

from datetime import date

from ..domain_events import DomainEvent, event


@event("calendar.changed")
class CalendarChanged(DomainEvent):
    """A 主管 entered, changed or removed holidays. ``changes``: for each day whose status
    changed, its CalendarDay kind before the change (None: the day had no row). Published
    inside the calendar's transaction."""

    changes: dict[date, str | None]
