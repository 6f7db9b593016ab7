"""Celery tasks: they take ids and call services. Periodic ones are scheduled in
``settings.CELERY_BEAT_SCHEDULE``."""

import logging

from celery import shared_task
from django.utils import timezone

from . import selectors, services

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None, acks_late=True, ignore_result=True)
def send_notification(self, message_id: int) -> str:
    """Send one outbox message; on failure retry with exponential backoff.

    The attempt count lives in the outbox row (not in Celery), so the limit holds across
    worker restarts and staff see every attempt. In eager mode (dev) a failed attempt is
    not retried inline — ``requeue_notifications`` picks it up when it is due.
    """
    outcome = services.notification_deliver(message_id=message_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(ignore_result=True)
def requeue_notifications() -> int:
    """Send again what should have been sent by now but was not (broker down at commit
    time, worker lost mid-retry, or dev's eager mode)."""
    ids = selectors.notifications_due_for_requeue(now=timezone.now())
    for message_id in ids:
        send_notification.delay(message_id)
    return len(ids)


@shared_task(ignore_result=True)
def detect_shipment_exceptions() -> int:
    flags = services.shipment_exceptions_detect()
    if flags:
        logger.info("Flagged %s shipments: %s", len(flags), ", ".join(f"{f.shipment} {f.kind}" for f in flags))
    return len(flags)


@shared_task(ignore_result=True)
def poll_carriers() -> dict:
    return services.carriers_poll()
