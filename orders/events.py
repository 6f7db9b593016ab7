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


def record_event(
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
    event = OrderEvent.objects.create(
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
    # Listeners (customer notices, webhooks, monitoring) write their outbox rows in this
    # transaction: nothing is announced for a change that is rolled back.
    publish(TimelineEventRecorded(timeline_event=event))
    if kind == OrderEvent.Kind.STATUS and to_status:
        publish(OrderStatusChanged(order=order, timeline_event=event, from_status=from_status,
                                   to_status=to_status, action=action, user=user))
    return event
