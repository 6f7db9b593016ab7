from celery import shared_task

from .models import Report


@shared_task(acks_late=True)
def build_report(report_id: int) -> str:
    from .services import report_build

    report = Report.objects.get(pk=report_id)
    return report_build(report=report).state


@shared_task(acks_late=True)
def send_monthly_report() -> int:
    """Celery beat, 08:00 Asia/Shanghai on the 1st of each month."""
    from .services import monthly_report_run

    return monthly_report_run().pk
