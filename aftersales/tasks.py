"""Celery tasks of the after-sales app: they call services."""

from celery import shared_task

from .services import cases_flag_overdue


@shared_task
def flag_overdue_cases() -> int:
    """Celery beat, hourly: cases past their working-day due time surface by themselves."""
    return cases_flag_overdue()
