"""Building, storing and sending reports."""

from datetime import date
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ordermgmt import roles
from ordermgmt.dbrouting import heavy_reads
from ordermgmt.errors import ActionForbidden, InvalidInput
from ordermgmt.queueing import enqueue
from servicedesk.notice_kinds import REPORT_READY
from servicedesk.services import staff_notify

from .export import report_workbook
from .metrics import compute_report
from .periods import month_range, previous_month
from .models import Report

MAX_RANGE_DAYS = 731


def _check(user) -> None:
    if user is not None and not user.has_perm("reports.view_report"):
        raise ActionForbidden("您的角色没有权限查看报表")


@transaction.atomic
def report_request(*, user, start: date, end: date) -> Report:
    """Ask for the report of [start, end]; it is computed by a task (queued on commit).

    The same period asked again replaces the stored figures (one row per period).
    """
    _check(user)
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期")
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidInput("报表时间跨度最长两年")
    if start > timezone.localdate():
        raise InvalidInput("开始日期不能晚于今天")
    monthly = (start, end) == month_range(start)
    report, _ = Report.objects.select_for_update().update_or_create(
        period_start=start, period_end=end,
        defaults={"is_monthly": monthly, "state": Report.State.QUEUED, "progress": 0, "error": "",
                  "requested_by": user},
    )
    transaction.on_commit(partial(enqueue, "reports.tasks.build_report", report.pk))
    return report


def report_build(*, report: Report) -> Report:
    """Compute and store the figures. Progress is committed as it goes (no surrounding
    transaction) so that the page polling it can show it."""
    Report.objects.filter(pk=report.pk).update(state=Report.State.RUNNING, progress=0)

    def progress(percent: int) -> None:
        Report.objects.filter(pk=report.pk).update(progress=min(percent, 99))

    try:
        with heavy_reads():  # the figures from the replica when there is one; progress and result to the primary
            data = compute_report(report.period_start, report.period_end, monthly=report.is_monthly, progress=progress)
    except Exception as error:  # recorded for the user, then re-raised for the task's log
        Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED, error=str(error)[:2000])
        raise
    Report.objects.filter(pk=report.pk).update(
        state=Report.State.DONE, progress=100, data=data, generated_at=timezone.now(), error=""
    )
    report.refresh_from_db()
    if report.requested_by_id:
        _tell_ready(report, [report.requested_by])
    return report


def _tell_ready(report: Report, users) -> None:
    """The staff notification (bell or digest) that a report can be read."""
    staff_notify(users=users, kind=REPORT_READY, text=f"《{report.title}》已生成",
                 link=reverse("reports:detail", args=[report.pk]),
                 key=f"report_ready:{report.pk}:{report.generated_at:%Y%m%d%H%M%S}")


def report_readers():
    return get_user_model().objects.filter(is_active=True, groups__name__in=[roles.MANAGER, roles.ANALYST]).distinct()


def report_recipients() -> list[str]:
    return sorted(set(report_readers().exclude(email="").values_list("email", flat=True)))


@transaction.atomic
def report_email(*, report: Report, force: bool = False) -> int:
    """Send the report (summary in the body, .xlsx attached) to every 主管 and 数据分析师.

    Sent once per report: a re-run of the same month does not mail it again unless forced.
    Returns the number of recipients.
    """
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.state != Report.State.DONE:
        raise InvalidInput("报表尚未生成完成，不能发送")
    if locked.emailed_at and not force:
        return 0
    recipients = report_recipients()
    if not recipients:
        return 0
    body = render_to_string("reports/email.txt", {"report": locked, "data": locked.data})
    attachment = report_workbook(locked)
    filename = f"订单分析报表_{locked.period_start:%Y%m%d}-{locked.period_end:%Y%m%d}.xlsx"
    for address in recipients:
        message = EmailMessage(
            subject=f"【订单平台】{locked.title}", body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
        )
        message.attach(filename, attachment, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        message.send()
    locked.emailed_at = timezone.now()
    locked.save(update_fields=["emailed_at"])
    return len(recipients)


def monthly_report_run(*, today: date | None = None) -> Report:
    """The scheduled job: last month's report, built, stored (replacing) and mailed."""
    start, end = previous_month(today or timezone.localdate())
    report, _ = Report.objects.update_or_create(
        period_start=start, period_end=end,
        defaults={"is_monthly": True, "state": Report.State.QUEUED, "progress": 0, "error": ""},
    )
    report = report_build(report=report)
    _tell_ready(report, report_readers())
    report_email(report=report)
    return report
