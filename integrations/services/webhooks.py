"""Webhook subscriptions, the outbox and its deliveries.

The outbox is written by ``receivers`` inside the transaction of the change (a domain event
of the apps below, subscribed IN_TRANSACTION): an event rolled back with its change is never
sent, one committed is never lost. Celery sends each delivery after commit
(``integrations.deliver_webhook``), retrying with waits that double from
``WEBHOOK_RETRY_BASE_SECONDS`` up to ``WEBHOOK_RETRY_MAX_SECONDS`` for
``WEBHOOK_MAX_ATTEMPTS`` attempts (about 32 hours with the defaults); beat hands out what is
due every minute (``dispatch_due_webhooks``).

Order per order: the deliveries of one order to one subscription go out in the order they
were written — one waits while an earlier one is still pending, and is handed out when that
one is delivered or given up. A subscriber failing ``WEBHOOK_DISABLE_AFTER_FAILURES`` attempts
in a row for at least ``WEBHOOK_DISABLE_AFTER_HOURS`` is disabled and its owner e-mailed; its
deliveries wait until a 主管 enables it again.
"""

import logging
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from ordermgmt.scoped_cache import cached, forget
from ordermgmt.domain_events import publish
from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.queueing import enqueue

from ..domain_events import WebhookSubscriptionDisabled
from ..models import ApiClient, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from ..models.webhooks import DeliveryStatus
from ..scopes import ORDERS_READ, ORDERS_READ_ALL
from ..webhooks import payloads, sending
from ..webhooks.event_types import EVENT_TYPES
from .common import SUBSCRIPTIONS, check_permission

logger = logging.getLogger(__name__)

# A task that arrives earlier than this before its time belongs to another schedule (a duplicate
# hand-out); the due-dispatch task sends it when it is due.
_EARLY = timedelta(seconds=2)


# --- subscriptions ------------------------------------------------------------------------

def _clean_url(url: str) -> str:
    url = (url or "").strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("接收地址必须是 http:// 或 https:// 开头的完整网址")
    if settings.WEBHOOK_REQUIRE_HTTPS and parts.scheme != "https":
        raise InvalidInput("接收地址必须使用 https://")
    if len(url) > 500:
        raise InvalidInput("接收地址最长 500 个字符")
    problem = sending.private_address_problem(url)
    if problem:
        raise InvalidInput(problem)
    return url


def _clean_event_types(event_types) -> list[str]:
    chosen = list(dict.fromkeys(event_types or []))
    unknown = [name for name in chosen if name not in EVENT_TYPES]
    if unknown:
        raise InvalidInput("未知的事件类型：" + "、".join(unknown))
    if not chosen:
        raise InvalidInput("请至少选择一种事件类型")
    return [name for name in EVENT_TYPES if name in chosen]


@transaction.atomic
def webhook_subscription_create(
    *, user, client: ApiClient, url: str, event_types, description: str = "",
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned: shown this once)."""
    check_permission(user, "integrations.add_webhooksubscription", "新建 Webhook 订阅")
    secret = sending.new_secret()
    subscription = WebhookSubscription.objects.create(
        client=client, url=_clean_url(url), event_types=_clean_event_types(event_types),
        description=(description or "").strip()[:200], secret=secret, created_by=user,
    )
    forget(SUBSCRIPTIONS)
    return subscription, secret


@transaction.atomic
def webhook_subscription_update(*, user, subscription: WebhookSubscription, **fields) -> WebhookSubscription:
    """Change the address, the event types, the description; ``is_active`` pauses or resumes."""
    check_permission(user, "integrations.change_webhooksubscription", "修改 Webhook 订阅")
    unknown = set(fields) - {"url", "event_types", "description", "is_active"}
    if unknown:
        raise InvalidInput(f"不能修改字段：{', '.join(sorted(unknown))}")
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    forget(SUBSCRIPTIONS)
    if "url" in fields:
        locked.url = _clean_url(fields["url"])
    if "event_types" in fields:
        locked.event_types = _clean_event_types(fields["event_types"])
    if "description" in fields:
        locked.description = (fields["description"] or "").strip()[:200]
    locked.save()
    if "is_active" in fields and bool(fields["is_active"]) != locked.is_active:
        if fields["is_active"]:
            return webhook_subscription_enable(user=user, subscription=locked)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
    return locked


@transaction.atomic
def webhook_subscription_enable(*, user, subscription: WebhookSubscription) -> WebhookSubscription:
    """Resume a paused or disabled subscription: its failure count starts again and the
    deliveries that waited go out now, in order."""
    check_permission(user, "integrations.change_webhooksubscription", "启用 Webhook 订阅")
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    forget(SUBSCRIPTIONS)
    locked.is_active = True
    locked.consecutive_failures, locked.failing_since = 0, None
    locked.disabled_at, locked.disabled_reason = None, ""
    locked.save()
    waiting = WebhookDelivery.objects.filter(subscription=locked, status=DeliveryStatus.PENDING)
    waiting.update(next_attempt_at=timezone.now())  # the subscriber is fixed: no more waiting out the back-off
    due = list(_queue_heads(waiting))
    transaction.on_commit(lambda: dispatch(due))
    return locked


@transaction.atomic
def webhook_subscription_delete(*, user, subscription: WebhookSubscription) -> None:
    check_permission(user, "integrations.delete_webhooksubscription", "删除 Webhook 订阅")
    WebhookSubscription.objects.filter(pk=subscription.pk).delete()
    forget(SUBSCRIPTIONS)


# --- the outbox -----------------------------------------------------------------------------


def _active_subscriptions() -> list[WebhookSubscription]:
    """Read once per request, task or batch of orders (``ordermgmt.scoped_cache``); a change
    to a subscription forgets it (``_subscriptions_changed``)."""
    return cached((SUBSCRIPTIONS,), lambda: list(
        WebhookSubscription.objects.filter(is_active=True, client__is_active=True).select_related("client")))


def _subscribers(event_type: str, order) -> list[WebhookSubscription]:
    """Active subscriptions to this event type whose client may see the order: its own
    channel's orders, or every order with the scope to read all."""
    chosen = []
    for subscription in _active_subscriptions():
        client = subscription.client
        if event_type not in subscription.event_types:
            continue
        if client.has_scope(ORDERS_READ_ALL) or (client.has_scope(ORDERS_READ) and order.channel_code == client.channel_code):
            chosen.append(subscription)
    return chosen


def webhook_outbox_write(*, event_type: str, order, data) -> list[WebhookDelivery]:
    """One event for every subscriber of it, written in the caller's transaction and handed
    to Celery when it commits. ``data`` is the event's data, or a function returning it (built
    only when someone subscribes)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type}")
    subscribers = _subscribers(event_type, order)
    if not subscribers:
        return []
    now = timezone.now()
    event = WebhookEvent.objects.create(
        event_id=f"msg_{uuid.uuid4().hex}", event_type=event_type, order_number=order.number,
        body=payloads.envelope(event_type, data() if callable(data) else data, at=now), created_at=now,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, subscription=s, order_number=order.number, next_attempt_at=now, created_at=now)
        for s in subscribers
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: dispatch(ids))
    return deliveries


def dispatch(delivery_ids: list[int]) -> None:
    """Hand deliveries to Celery. If the broker is down they stay pending in the outbox and
    ``dispatch_due_webhooks`` hands them out later — the change that caused them succeeds."""
    for delivery_id in delivery_ids:
        try:
            enqueue("integrations.deliver_webhook", delivery_id)
        except Exception:  # noqa: BLE001 - any broker failure; the outbox keeps the delivery
            logger.exception("Could not queue webhook delivery %s; the due-dispatch task will retry", delivery_id)


def _earlier_pending():
    return WebhookDelivery.objects.filter(
        subscription=OuterRef("subscription"), order_number=OuterRef("order_number"),
        status=DeliveryStatus.PENDING, id__lt=OuterRef("id"),
    ).exclude(order_number="")


def _queue_heads(queryset):
    """The deliveries of ``queryset`` that wait for no earlier one of their order."""
    return (queryset.annotate(blocked=Exists(_earlier_pending())).filter(blocked=False)
            .order_by("next_attempt_at", "id").values_list("pk", flat=True))


def webhook_deliveries_dispatch_due(*, limit: int = 500) -> int:
    """Hand out what is due: retries whose wait has passed, deliveries whose queueing failed,
    the next of an order whose hand-over was lost."""
    due = list(_queue_heads(WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now(), subscription__is_active=True,
    ))[:limit])
    dispatch(due)
    return len(due)


# --- sending ------------------------------------------------------------------------------------

@dataclass
class AttemptOutcome:
    status: str
    retry_in: float | None = None


def retry_wait(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure: the base, doubling, capped."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS)


def webhook_delivery_attempt(*, delivery_id: int) -> AttemptOutcome:
    """One attempt of a delivery, if it is its turn.

    The row stays locked during the attempt (two workers never send it twice; a busy row is
    skipped). Not attempted: a delivery no longer pending, of a paused subscription, early, or
    behind an earlier pending delivery of its order (it is handed out when that one ends)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(pk=delivery_id).first()
        if delivery is None:
            return AttemptOutcome("busy")
        if delivery.status != DeliveryStatus.PENDING:
            return AttemptOutcome(delivery.status)
        if not delivery.subscription.is_active:
            return AttemptOutcome("paused")
        now = timezone.now()
        if delivery.next_attempt_at and delivery.next_attempt_at > now + _EARLY:
            return AttemptOutcome("not_due")
        if delivery.order_number and WebhookDelivery.objects.filter(
            subscription_id=delivery.subscription_id, order_number=delivery.order_number,
            status=DeliveryStatus.PENDING, id__lt=delivery.pk,
        ).exists():
            return AttemptOutcome("waiting")
        subscription, event = delivery.subscription, delivery.event
        result = sending.post(url=subscription.url, secret=subscription.secret, event_id=event.event_id, body=event.body)
        return _record(delivery, result, now)


def _record(delivery: WebhookDelivery, result: sending.AttemptResult, now) -> AttemptOutcome:
    WebhookAttempt.objects.create(delivery=delivery, at=now, status_code=result.status_code, error=result.error,
                                  duration_ms=result.duration_ms)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = now, result.status_code, result.error
    if result.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        _subscription_succeeded(delivery.subscription)
        outcome = AttemptOutcome(DeliveryStatus.DELIVERED)
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        logger.warning("Webhook delivery %s given up after %s attempts: %s", delivery.pk, delivery.attempts,
                       result.error)
        _subscription_failed(delivery.subscription, now)
        outcome = AttemptOutcome(DeliveryStatus.FAILED)
    else:
        wait = retry_wait(delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=wait)
        _subscription_failed(delivery.subscription, now)
        outcome = AttemptOutcome(DeliveryStatus.PENDING, retry_in=wait)
    delivery.save()
    if delivery.status != DeliveryStatus.PENDING:
        _hand_over_to_next(delivery)
    return outcome


def _hand_over_to_next(delivery: WebhookDelivery) -> None:
    """The next delivery of the same order to the same subscription may go now."""
    if not delivery.order_number:
        return
    following = (WebhookDelivery.objects.filter(subscription_id=delivery.subscription_id,
                                                order_number=delivery.order_number, status=DeliveryStatus.PENDING,
                                                id__gt=delivery.pk)
                 .order_by("id").values_list("pk", flat=True).first())
    if following is not None:
        transaction.on_commit(lambda: dispatch([following]))


def _subscription_succeeded(subscription: WebhookSubscription) -> None:
    if subscription.consecutive_failures or subscription.failing_since:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0, failing_since=None)


def _subscription_failed(subscription: WebhookSubscription, now) -> None:
    WebhookSubscription.objects.filter(pk=subscription.pk, failing_since__isnull=True).update(failing_since=now)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    failing_for = now - locked.failing_since
    if (locked.is_active and locked.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES
            and failing_for >= timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)):
        _disable(locked, now)


def _disable(subscription: WebhookSubscription, now) -> None:
    hours = (now - subscription.failing_since).total_seconds() / 3600
    subscription.is_active = False
    subscription.disabled_at = now
    subscription.disabled_reason = (
        f"连续 {subscription.consecutive_failures} 次投递失败（持续 {hours:.1f} 小时），已自动停用"
    )[:300]
    subscription.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    forget(SUBSCRIPTIONS)
    logger.warning("Webhook subscription %s disabled: %s", subscription.pk, subscription.disabled_reason)
    publish(WebhookSubscriptionDisabled(subscription=subscription))
    transaction.on_commit(lambda: _tell_owner(subscription))


def _tell_owner(subscription: WebhookSubscription) -> None:
    owner = subscription.client.owner
    if owner is None or not owner.email:
        return
    link = settings.SITE_URL + reverse("integrations:client", args=[subscription.client_id])
    try:
        send_mail(
            subject=f"Webhook 订阅已停用：{subscription.client.name}",
            message=(
                f"{subscription.client.name} 的 Webhook 订阅 {subscription.url}\n"
                f"{subscription.disabled_reason}。\n\n"
                f"待投递的事件会保留，修复接收地址后请在平台上重新启用：{link}"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[owner.email],
        )
    except Exception:  # noqa: BLE001 - the flag on the portal page stays whatever the mail does
        logger.exception("Could not e-mail the owner of webhook subscription %s", subscription.pk)


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, user) -> WebhookDelivery:
    """A 主管 sends an event again (after the subscriber fixed its side). Same event id, so a
    receiver that already has it can drop it; queued behind what is pending for the order."""
    check_permission(user, "integrations.replay_webhookdelivery", "重新投递 Webhook")
    original = WebhookDelivery.objects.select_related("subscription").get(pk=delivery.pk)
    if original.status == DeliveryStatus.PENDING:
        raise InvalidTransition(f"投递 #{original.pk} 仍在等待投递，无需重新投递")
    if not original.subscription.is_active:
        raise InvalidTransition("该订阅已停用，请先启用订阅再重新投递")
    now = timezone.now()
    replay = WebhookDelivery.objects.create(
        event_id=original.event_id, subscription=original.subscription, order_number=original.order_number,
        next_attempt_at=now, created_at=now, replay_of=original, replayed_by=user,
    )
    transaction.on_commit(lambda: dispatch([replay.pk]))
    return replay
