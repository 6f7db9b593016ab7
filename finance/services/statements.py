"""Sending customer statements (对账单) by e-mail."""

from datetime import date
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ordermgmt.errors import InvalidInput
from ordermgmt.queueing import enqueue

from ..exports import statement_pdf, statement_workbook
from ..models import StatementDispatch
from ..statements import customer_statement
from .common import check_permission

SEND_PERMISSION = "finance.send_statement"


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期")
    if start > timezone.localdate():
        raise InvalidInput("开始日期不能晚于今天")


@transaction.atomic
def statement_send(*, user, customer, start: date, end: date, email: str) -> StatementDispatch:
    """Queue the statement of ``customer`` for [start, end] to ``email`` (sent on commit)."""
    check_permission(user, SEND_PERMISSION, "发送对账单")
    _check_period(start, end)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvalidInput(f"收件邮箱“{email}”无效，请填写客户对账联系人的邮箱") from error
    dispatch = StatementDispatch.objects.create(
        customer=customer, period_start=start, period_end=end, email=email, requested_by=user,
        closing_balance=customer_statement(customer, start=start, end=end).closing,
    )
    transaction.on_commit(partial(enqueue, "finance.tasks.send_statement", dispatch.pk))
    return dispatch


def statement_dispatch_deliver(*, dispatch: StatementDispatch) -> StatementDispatch:
    """Compute the statement now, send it with its PDF and .xlsx, and record the outcome.
    Sent once: a dispatch already sent is left alone (a retried task sends nothing twice)."""
    with transaction.atomic():
        locked = StatementDispatch.objects.select_for_update().select_related("customer").get(pk=dispatch.pk)
        if locked.state == StatementDispatch.State.SENT:
            return locked
        statement = customer_statement(locked.customer, start=locked.period_start, end=locked.period_end)
        customer = locked.customer
        stem = f"对账单_{customer.code}_{locked.period_start:%Y%m%d}-{locked.period_end:%Y%m%d}"
        message = EmailMessage(
            subject=f"【对账单】{customer.name} {locked.period_start:%Y-%m-%d} 至 {locked.period_end:%Y-%m-%d}",
            body=render_to_string("finance/statement_email.txt", {"statement": statement}),
            from_email=settings.DEFAULT_FROM_EMAIL, to=[locked.email],
        )
        message.attach(f"{stem}.pdf", statement_pdf(statement), "application/pdf")
        message.attach(f"{stem}.xlsx", statement_workbook(statement),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        try:
            message.send()
        except OSError as error:  # the mail server refused or could not be reached
            locked.state, locked.error = StatementDispatch.State.FAILED, str(error)[:300]
        else:
            locked.state, locked.sent_at, locked.error = StatementDispatch.State.SENT, timezone.now(), ""
        locked.closing_balance = statement.closing
        locked.save(update_fields=["state", "sent_at", "error", "closing_balance"])
        return locked
