"""What every order service shares: the role check, firing one transition with its
timeline event, stage timestamps and the queue priority."""

from functools import partial

from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.queueing import enqueue

from ..events import record_event
from ..models import (
    Order,
    OrderStatus,
    Priority,
)
from ..workflow import ACTIONS, QUEUE_PRIORITY

# The latest time each stage was reached is kept on the order (for lead times and reports).
STAGE_TIMESTAMPS = {
    OrderStatus.APPROVED: "approved_at",
    OrderStatus.ALLOCATED: "allocated_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.COMPLETED: "completed_at",
    OrderStatus.CANCELLED: "cancelled_at",
}


def priority_score(order: Order) -> int:
    """Queue priority, by the points of ``workflow.QUEUE_PRIORITY``: 加急, customer level,
    one point per ¥1,000 of the order (capped), and exchanges ahead of everything."""
    points = QUEUE_PRIORITY
    score = points.urgent if order.priority == Priority.URGENT else 0
    if order.replaces_order_id:
        score += points.exchange
    score += points.customer_level.get(order.customer.level, 0)
    score += min(int(order.total // points.per_amount), points.amount_cap)
    return score


def queue_auto_review(order: Order) -> None:
    transaction.on_commit(partial(enqueue, "orders.tasks.run_auto_review", order.pk))


def check_permission(user, perm: str, what: str) -> None:
    if user is not None and not user.has_perm(perm):
        raise ActionForbidden(f"您的角色没有权限{what}")


# Business errors and the timeline are in the platform's language; the action labels and
# status names quoted in them are translatable, so they are rendered in it too.
@in_platform_language
def fire_transition(*, order: Order, user, action: str, reason: str = "", data: dict | None = None, **kwargs) -> Order:
    """Lock the order, fire one transition, save, and write its timeline event."""
    spec = ACTIONS[action]
    locked = Order.objects.select_for_update().get(pk=order.pk)
    method = getattr(locked, action)
    if not can_proceed(method, check_conditions=False):
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，不能执行“{spec.label}”"
        )
    if not can_proceed(method):
        hint = spec.condition_hint
        if action == "approve":
            hint = "；".join(c.message for c in locked.checks.all() if c.is_blocking) or hint
        raise InvalidTransition(f"订单 {locked.number} 不满足“{spec.label}”的条件：{hint}")
    if user is not None and not has_transition_perm(method, user):
        raise ActionForbidden(f"您的角色没有权限执行“{spec.label}”")
    if spec.needs_reason and not (reason or "").strip():
        raise InvalidInput(f"“{spec.label}”必须填写原因", code="reason_required")
    from_status = locked.status
    try:
        if spec.needs_reason:
            method(reason=reason, **kwargs)
        else:
            method(**kwargs)
    except TransitionNotAllowed as error:
        raise InvalidTransition(f"订单 {locked.number} 不能执行“{spec.label}”") from error
    locked.status_changed_at = timezone.now()
    if locked.status in STAGE_TIMESTAMPS:
        setattr(locked, STAGE_TIMESTAMPS[locked.status], locked.status_changed_at)
    locked.save()
    record_event(
        order=locked,
        user=user,
        action=action,
        from_status=from_status,
        to_status=locked.status,
        reason=reason,
        data=data,
    )
    order.refresh_from_db()
    return locked
