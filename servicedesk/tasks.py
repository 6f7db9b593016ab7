"""Celery tasks of the service desk: they call services. Scheduled in
``settings.CELERY_BEAT_SCHEDULE``."""

from celery import shared_task

from .services import complaints_flag_overdue, notification_digests_send, stage_flags_refresh


@shared_task(ignore_result=True)
def refresh_stage_flags() -> tuple[int, int]:
    """Every few minutes: orders past their stage's threshold are flagged, moved ones cleared."""
    return stage_flags_refresh()


@shared_task(ignore_result=True)
def escalate_overdue_complaints() -> int:
    """Every ten minutes: complaints past their due time go to the 主管."""
    return complaints_flag_overdue()


@shared_task(ignore_result=True)
def send_notification_digests() -> int:
    """Every morning: the notifications users chose to receive as a daily e-mail."""
    return notification_digests_send()
