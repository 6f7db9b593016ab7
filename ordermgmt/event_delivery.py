"""Running the after-commit listeners of domain events: claim a delivery, run its listener,
record the outcome; hand out again what is due; let a 主管 retry what failed."""

import logging
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .domain_events import decode, dispatch, listener_for
from .errors import ActionForbidden, InvalidTransition
from .language import platform_language
from .models import EventDelivery

logger = logging.getLogger(__name__)

Status = EventDelivery.Status


def _retry_wait(attempts: int) -> timedelta:
    base, cap = settings.EVENT_RETRY_BASE_SECONDS, settings.EVENT_RETRY_MAX_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _claim(delivery_id: int) -> EventDelivery | None:
    """Take the delivery for this worker if it is due and nobody else holds it."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            EventDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status__in=[Status.PENDING, Status.RUNNING], next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.status = Status.RUNNING
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=settings.EVENT_CLAIM_SECONDS)
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery


def event_delivery_run(*, delivery_id: int) -> EventDelivery | None:
    """Run one delivery's listener (outside any transaction of ours: the listener keeps its
    own). Returns the delivery, or None when it was not due or is held by another worker.
    On failure the delivery waits and is retried, up to ``EVENT_MAX_ATTEMPTS``."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    subscription = listener_for(delivery)
    try:
        if subscription is None:
            raise LookupError(f"no listener {delivery.listener} for {delivery.event}")
        with platform_language():
            subscription.handler(decode(delivery.event, delivery.payload))
    except Exception as error:  # noqa: BLE001 - any listener failure is recorded and retried
        failed = delivery.attempts >= settings.EVENT_MAX_ATTEMPTS
        delivery.status = Status.FAILED if failed else Status.PENDING
        delivery.last_error = "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]
        delivery.next_attempt_at = timezone.now() + _retry_wait(delivery.attempts)
        logger.warning("Event delivery %s (%s → %s) failed on attempt %s%s: %s", delivery.pk, delivery.event,
                       delivery.listener, delivery.attempts, " — giving up" if failed else "", delivery.last_error)
    else:
        delivery.status = Status.DONE
        delivery.last_error = ""
        delivery.finished_at = timezone.now()
    delivery.save(update_fields=["status", "last_error", "next_attempt_at", "finished_at"])
    return delivery


def event_deliveries_redeliver_due(*, limit: int = 500) -> int:
    """Hand out again the deliveries that are due: retries whose wait has passed, and
    deliveries whose worker died holding them (claim expired) or whose queueing failed."""
    due = list(
        EventDelivery.objects.filter(status__in=[Status.PENDING, Status.RUNNING], next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
    )
    dispatch(due)
    return len(due)


@transaction.atomic
def event_delivery_retry(*, delivery: EventDelivery, user) -> EventDelivery:
    """A 主管 tries a failed delivery again (after fixing what made it fail)."""
    if user is not None and not user.has_perm("ordermgmt.change_eventdelivery"):
        raise ActionForbidden("您的角色没有权限重新投递事件")
    locked = EventDelivery.objects.select_for_update().get(pk=delivery.pk)
    if locked.status != Status.FAILED:
        raise InvalidTransition(f"事件投递 #{locked.pk} 当前状态为“{locked.get_status_display()}”，只有失败的投递可以重试")
    locked.status, locked.attempts, locked.next_attempt_at = Status.PENDING, 0, timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(lambda: dispatch([locked.pk]))
    return locked
