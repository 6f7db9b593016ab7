"""Signals of the platform, for the apps above it to listen to (in their ``AppConfig.ready``)."""

from django.dispatch import Signal

# Sent inside the transaction that changed the working-day calendar (a 主管 entered,
# changed or removed holidays). Arguments: changes (dict[date, str | None]) — for each day
# whose status changed, its CalendarDay kind before the change (None: the day had no row).
# After-sales moves the due dates of open cases that counted working days over those days.
calendar_changed = Signal()
