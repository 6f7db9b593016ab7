from celery import shared_task


@shared_task
def flag_overdue_cases() -> int:
    """Celery beat, hourly: cases past their working-day due time surface by themselves."""
    from .services import cases_flag_overdue

    return cases_flag_overdue()
