"""Celery tasks of the reports app: they take ids and call services."""

from celery import shared_task

from .models import Report
from .services import monthly_report_run, report_build


@shared_task(acks_late=True)
def build_report(report_id: int) -> str:
    report = Report.objects.get(pk=report_id)
    return report_build(report=report).state


@shared_task(acks_late=True)
def send_monthly_report() -> int:
    """Celery beat, 08:00 Asia/Shanghai on the 1st of each month."""
    return monthly_report_run().pk
