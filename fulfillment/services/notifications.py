"""Customer notifications: editing the templates, writing the outbox, sending and resending."""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from ordermgmt.bulk import bulk_insert
from ordermgmt.domain_events import publish
from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.history import attribute_change
from ordermgmt.language import in_platform_language
from ordermgmt.queueing import enqueue
from ordermgmt.scoped_cache import cached, forget
from orders.models import OrderEvent

from ..domain_events import CustomerNoticeFailed
from ..models import Channel, MessageStatus, NotificationMessage, NotificationTemplate
from ..notifications.render import PLACEHOLDERS, fill, latest_shipments, notice_values, unknown_placeholders, uses_shipment
from ..notifications.sms import get_sms_backend
from ..notifications.triggers import notice_key_for, notices_are_suppressed
from .common import check_permission

logger = logging.getLogger(__name__)


@transaction.atomic
def notification_template_update(
    *, template: NotificationTemplate, user, subject: str, body: str, is_active: bool
) -> NotificationTemplate:
    check_permission(user, "fulfillment.change_notificationtemplate", "修改通知模板")
    subject, body = (subject or "").strip(), (body or "").strip()
    problems = []
    if not body:
        problems.append("内容不能为空")
    if template.channel == Channel.EMAIL and not subject:
        problems.append("邮件标题不能为空")
    unknown = unknown_placeholders(subject + body)
    if unknown:
        problems.append("未知的占位符：" + "、".join("{" + name + "}" for name in unknown))
    if template.channel == Channel.SMS and len(body) > 300:
        problems.append("短信内容最多 300 字")
    if problems:
        raise InvalidInput("；".join(problems))
    locked = NotificationTemplate.objects.select_for_update().get(pk=template.pk)
    locked.subject, locked.body, locked.is_active, locked.updated_by = subject, body, is_active, user
    attribute_change(locked, user).save()
    return locked


def _mobile_number(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits if len(digits) == 11 and digits.startswith("1") else ""


def notifications_queue_for_event(*, event: OrderEvent) -> list[NotificationMessage]:
    """The customer hears of the steps that matter to them (``notifications.triggers``): the
    outbox rows are written in the event's transaction and sent by Celery after commit, so a
    notice is never sent for a change that was rolled back."""
    if notices_are_suppressed():
        return []
    key = notice_key_for(event)
    if key is None:
        return []
    messages = notifications_create_for_event(event=event, key=key)
    dispatch_after_commit([m.pk for m in messages if m.status == MessageStatus.PENDING])
    return messages


def notifications_queue_for_events(*, events: list[OrderEvent]) -> list[NotificationMessage]:
    """``notifications_queue_for_event`` for many timeline entries at once (a batch of
    orders): the same outbox rows, written with one statement after a handful of reads.

    The entries were written in this transaction and are announced once, so none has a
    notice yet (the database refuses a second one per entry and channel anyway)."""
    if notices_are_suppressed():
        return []
    keyed = [(event, key) for event in events if (key := notice_key_for(event)) is not None]
    templates = {key: _active_templates(key) for key in {key for _, key in keyed}}
    keyed = [(event, key) for event, key in keyed if templates[key]]
    if not keyed:
        return []
    need_shipment = {event.order_id for event, key in keyed
                     if any(uses_shipment(t.subject, t.body) for t in templates[key].values())}
    shipments = latest_shipments(need_shipment) if need_shipment else {}
    messages = []
    for event, key in keyed:
        values = notice_values(event.order, event, latest_shipment=shipments.get(event.order_id))
        messages.extend(_outbox_rows(event, key, templates[key], values))
    created = bulk_insert(messages)
    dispatch_after_commit([m.pk for m in created if m.status == MessageStatus.PENDING])
    return created


def _active_templates(key: str) -> dict[str, NotificationTemplate]:
    """The active templates of a notice by channel, read once per request or task."""
    return cached(("notice_templates", key), lambda: {
        t.channel: t for t in NotificationTemplate.objects.filter(key=key, is_active=True)
    })


def forget_templates(**_) -> None:
    forget("notice_templates")


post_save.connect(forget_templates, sender=NotificationTemplate, dispatch_uid="forget_notice_templates")


def notifications_create_for_event(*, event: OrderEvent, key: str) -> list[NotificationMessage]:
    """Write the outbox rows for one timeline event (inside the event's transaction).

    One message per active template channel. A customer without an e-mail address or a
    mobile number gets a 未发送 row saying so, so that staff can see who was not told.
    """
    existing = list(NotificationMessage.objects.filter(event=event))
    if existing:
        return existing
    templates = _active_templates(key)
    if not templates:
        return []
    needs_shipment = any(uses_shipment(t.subject, t.body) for t in templates.values())
    values = notice_values(event.order, event, **({} if needs_shipment else {"latest_shipment": None}))
    return NotificationMessage.objects.bulk_create(_outbox_rows(event, key, templates, values))


def _outbox_rows(event: OrderEvent, key: str, templates: dict, values: dict) -> list[NotificationMessage]:
    order = event.order
    messages = []
    for channel, template in sorted(templates.items()):
        recipient = order.contact_email.strip() if channel == Channel.EMAIL else _mobile_number(order.contact_phone)
        message = NotificationMessage(
            order=order, event=event, key=key, channel=channel, recipient=recipient,
            subject=fill(template.subject, values)[:200], body=fill(template.body, values),
        )
        if not recipient:
            message.status = MessageStatus.SKIPPED
            message.last_error = "订单没有电子邮箱" if channel == Channel.EMAIL else "联系电话不是手机号，无法发短信"
        else:
            message.next_attempt_at = timezone.now()
        messages.append(message)
    return messages


@in_platform_language
def notifications_queue_direct(
    *, key: str, values: dict, email: str = "", phone: str = "", order=None
) -> list[NotificationMessage]:
    """A notice that follows no timeline event — the answer to a complaint about no order
    (a person, a bill): one outbox row per active template channel, written in the caller's
    transaction and sent after commit like every other. ``values`` fill the placeholders
    (unknown names are refused: a template can only name what ``PLACEHOLDERS`` lists)."""
    unknown = sorted(set(values) - set(PLACEHOLDERS))
    if unknown:
        raise ValueError(f"Unknown placeholders: {unknown}")
    if notices_are_suppressed():
        return []
    filled = {name: "—" for name in PLACEHOLDERS} | {name: str(value) for name, value in values.items()}
    templates = {t.channel: t for t in NotificationTemplate.objects.filter(key=key, is_active=True)}
    messages = []
    for channel, template in sorted(templates.items()):
        recipient = (email or "").strip() if channel == Channel.EMAIL else _mobile_number(phone)
        message = NotificationMessage(
            order=order, key=key, channel=channel, recipient=recipient,
            subject=fill(template.subject, filled)[:200], body=fill(template.body, filled),
        )
        if not recipient:
            message.status = MessageStatus.SKIPPED
            message.last_error = "没有电子邮箱" if channel == Channel.EMAIL else "联系电话不是手机号，无法发短信"
        else:
            message.next_attempt_at = timezone.now()
        messages.append(message)
    messages = NotificationMessage.objects.bulk_create(messages)
    dispatch_after_commit([m.pk for m in messages if m.status == MessageStatus.PENDING])
    return messages


@dataclass
class DeliveryOutcome:
    status: str
    retry_in: float | None = None


def _send(message: NotificationMessage) -> str:
    if message.channel == Channel.EMAIL:
        EmailMessage(
            subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.recipient]
        ).send(fail_silently=False)
        return ""
    return get_sms_backend().send(phone=message.recipient, text=message.body, reference=f"notice-{message.pk}")


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure: base, 2×base, 4×base… capped."""
    return min(settings.NOTIFY_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0)), settings.NOTIFY_RETRY_MAX_SECONDS)


@transaction.atomic
def notification_deliver(*, message_id: int) -> DeliveryOutcome:
    """One attempt to send an outbox message.

    The row stays locked during the attempt, so two workers never send it twice. A failure
    schedules the next attempt (``retry_in``); after ``NOTIFY_MAX_ATTEMPTS`` the message is
    marked 发送失败 and shows up for staff.
    """
    message = NotificationMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.status != MessageStatus.PENDING:
        return DeliveryOutcome(message.status if message else "missing")
    now = timezone.now()
    # Early by more than a little: another task owns this attempt.
    if message.next_attempt_at and message.next_attempt_at > now + timedelta(seconds=30):
        return DeliveryOutcome(message.status)
    message.attempts += 1
    message.last_attempt_at = now
    try:
        provider_id = _send(message)
    except Exception as error:  # noqa: BLE001 - any backend failure is recorded and retried
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            message.failed_at = now
            message.next_attempt_at = None
            message.save()
            logger.error(
                "Notification %s to %s failed after %s attempts: %s",
                message.pk, message.recipient, message.attempts, message.last_error,
            )
            publish(CustomerNoticeFailed(message=message))
            return DeliveryOutcome(MessageStatus.FAILED)
        delay = retry_delay(message.attempts)
        message.next_attempt_at = now + timedelta(seconds=delay)
        message.save()
        logger.warning("Notification %s attempt %s failed (%s); retry in %ss",
                       message.pk, message.attempts, message.last_error, delay)
        return DeliveryOutcome(MessageStatus.PENDING, retry_in=delay)
    message.status = MessageStatus.SENT
    message.sent_at = now
    message.provider_message_id = (provider_id or "")[:100]
    message.next_attempt_at = None
    message.save()
    return DeliveryOutcome(MessageStatus.SENT)


@in_platform_language
@transaction.atomic
def notification_resend(*, message: NotificationMessage, user) -> NotificationMessage:
    """Staff send a failed (or stuck) message again, with a fresh series of attempts."""
    check_permission(user, "fulfillment.resend_notification", "重新发送通知")
    locked = NotificationMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status not in (MessageStatus.FAILED, MessageStatus.PENDING):
        raise InvalidTransition(f"该通知状态为“{locked.get_status_display()}”，不需要重新发送")
    if not locked.recipient:
        raise InvalidInput("该通知没有收件人")
    locked.status = MessageStatus.PENDING
    locked.attempts = 0
    locked.failed_at = None
    locked.next_attempt_at = timezone.now()
    locked.save()
    dispatch_after_commit([locked.pk])
    return locked


def dispatch_after_commit(message_ids: list[int]) -> None:
    if message_ids:
        transaction.on_commit(lambda: dispatch(message_ids))


def dispatch(message_ids: list[int]) -> None:
    """Hand the messages to Celery. If the broker is down they stay 待发送 in the outbox and
    the periodic requeue task sends them later — the request that caused them succeeds."""
    for message_id in message_ids:
        try:
            enqueue("fulfillment.tasks.send_notification", message_id)
        except Exception:  # noqa: BLE001 - any broker failure; the outbox keeps the message
            logger.exception("Could not queue notification %s; the requeue task will retry", message_id)
