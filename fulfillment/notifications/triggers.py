"""Which order events the customer is told about: the table, read by
``services.notifications.notifications_queue_for_event``."""

import contextvars
from contextlib import contextmanager

from orders.models import OrderEvent

from ..models import ExceptionNote

_suppressed = contextvars.ContextVar("fulfillment_notices_suppressed", default=False)

# Timeline notes (no state change) that still matter to the customer.
NOTE_ACTIONS = {
    "ship_partial": "order_shipped",
    "reship_shipped": "order_shipped",
    ExceptionNote.FLAGGED: "shipment_exception",
    ExceptionNote.RESOLVED: "exception_resolved",
    "refund": "order_refunded",
    # The service desk proposes the resolution of a complaint about the order: the customer
    # is told what was done and asked to confirm (the note's data carries the complaint).
    "complaint_resolved": "complaint_resolved",
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
    if event.kind == OrderEvent.Kind.STATUS:
        if event.from_status in SILENT_FROM:
            return None
        return STATUS_NOTICES.get(event.to_status)
    if event.kind == OrderEvent.Kind.NOTE:
        return NOTE_ACTIONS.get(event.action)
    return None


def notices_are_suppressed() -> bool:
    return _suppressed.get()
