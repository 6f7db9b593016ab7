"""Timeline entries. Every state change writes exactly one, in the same transaction."""

from django.utils import timezone

from ordermgmt.domain_events import publish

from .domain_events import OrderStatusChanged, TimelineEventRecorded
from .models import Order, OrderEvent

SYSTEM_ACTOR_NAME = "系统"


def actor_display_name(user) -> str:
    if user is None:
        return SYSTEM_ACTOR_NAME
    full_name = (user.get_full_name() or "").strip()
    return full_name or user.get_username()


def timeline_entry(
    *,
    order: Order,
    user,
    kind: str = OrderEvent.Kind.STATUS,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict | None = None,
    at=None,
) -> OrderEvent:
    """A timeline entry, not saved yet (``record_event`` saves one; batches many at once)."""
    return OrderEvent(
        order=order,
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        actor_name=actor_display_name(user),
        reason=reason or "",
        data=data or {},
        created_at=at or timezone.now(),
    )


def announcements(event: OrderEvent) -> list:
    """The domain events a stored timeline entry announces: the entry itself, and the state
    change it records. Listeners (customer notices, webhooks, monitoring) write their outbox
    rows in the transaction: nothing is announced for a change that is rolled back."""
    announced = [TimelineEventRecorded(timeline_event=event)]
    if event.kind == OrderEvent.Kind.STATUS and event.to_status:
        announced.append(OrderStatusChanged(order=event.order, timeline_event=event, from_status=event.from_status,
                                            to_status=event.to_status, action=event.action, user=event.actor))
    return announced


def record_event(**entry) -> OrderEvent:
    """Write one timeline entry (see ``timeline_entry`` for its fields) and announce it."""
    event = timeline_entry(**entry)
    event.save(force_insert=True)
    for announced in announcements(event):
        publish(announced)
    return event
