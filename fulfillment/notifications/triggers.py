"""Which order events the customer is told about, hooked into ``orders.events.record_event``."""

import contextvars
import logging
from contextlib import contextmanager

from django.db import transaction

from ..models import ExceptionNote

logger = logging.getLogger(__name__)

_suppressed = contextvars.ContextVar("fulfillment_notices_suppressed", default=False)

# Timeline notes (no state change) that still matter to the customer.
NOTE_ACTIONS = {
    "ship_partial": "order_shipped",
    "reship_shipped": "order_shipped",
    ExceptionNote.FLAGGED: "shipment_exception",
    ExceptionNote.RESOLVED: "exception_resolved",
    "refund": "order_refunded",
}
# The states the customer hears about, whichever step led there…
STATUS_NOTICES = {
    "approved": "order_approved",
    "rejected": "order_rejected",
    "shipped": "order_shipped",
    "delivered": "order_delivered",
    "cancelled": "order_cancelled",
    "after_sales": "after_sales_opened",
}
# …except going back to a state they were already told about (closing an after-sales case).
SILENT_FROM = {"after_sales"}


@contextmanager
def notices_suppressed():
    """No customer notices inside this block (historical demo data, data migrations)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def notice_key_for(event) -> str | None:
    from orders.models import OrderEvent

    if event.kind == OrderEvent.Kind.STATUS:
        if event.from_status in SILENT_FROM:
            return None
        return STATUS_NOTICES.get(event.to_status)
    if event.kind == OrderEvent.Kind.NOTE:
        return NOTE_ACTIONS.get(event.action)
    return None


def queue_notices_for_event(event) -> None:
    if _suppressed.get():
        return
    key = notice_key_for(event)
    if key is None:
        return
    from ..services import notifications_create_for_event

    messages = notifications_create_for_event(event=event, key=key)
    dispatch_after_commit([m.pk for m in messages if m.status == "pending"])


def dispatch_after_commit(message_ids: list[int]) -> None:
    if message_ids:
        transaction.on_commit(lambda: dispatch(message_ids))


def dispatch(message_ids: list[int]) -> None:
    """Hand the messages to Celery. If the broker is down they stay 待发送 in the outbox and
    the periodic requeue task sends them later — the request that caused them succeeds."""
    from ..tasks import send_notification

    for message_id in message_ids:
        try:
            send_notification.delay(message_id)
        except Exception:  # noqa: BLE001 - any broker failure; the outbox keeps the message
            logger.exception("Could not queue notification %s; the requeue task will retry", message_id)
