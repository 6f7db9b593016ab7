"""Reactions of the after-sales app to other apps' signals."""

from django.dispatch import receiver

from ordermgmt.signals import calendar_changed


@receiver(calendar_changed)
def move_due_dates_with_the_calendar(sender, changes, **kwargs):
    """Inside the calendar's transaction: the holidays and the due dates counted over them
    change together."""
    from .services import cases_follow_calendar

    cases_follow_calendar(changes=changes)
