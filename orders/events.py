"""Timeline entries. Every state change writes exactly one, in the same transaction."""

from django.utils import timezone

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
    _queue_customer_notices(event)
    return event


def _queue_customer_notices(event: OrderEvent) -> None:
    """The customer hears of the steps that matter to them (accepted, rejected, shipped,
    delivered, logistics trouble). The outbox rows are written in this transaction and
    sent by Celery after commit, so a notice is never lost with a rolled-back change."""
    from fulfillment.notifications.triggers import queue_notices_for_event

    queue_notices_for_event(event)
