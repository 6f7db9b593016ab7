"""Review: approval and 驳回, the automatic review and a 主管's overrides."""

from django.db import transaction
from django.utils import timezone

from ordermgmt.domain_events import publish
from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language

from .. import review
from ..domain_events import OrderApproved
from ..events import record_event
from ..models import (
    Order,
    OrderEvent,
    OrderStatus,
)
from .batches import order_try_allocate
from .common import check_permission, fire_transition, queue_auto_review


@transaction.atomic
def order_approve(*, order: Order, user, reason: str = "") -> Order:
    """Approve; a 现货 order then gets its stock locked at once (or a purchase request)."""
    approved = fire_transition(order=order, user=user, action="approve", reason=reason)
    return _after_approval(approved, user)


def _after_approval(order: Order, user=None) -> Order:
    # Listeners act with the approval, in its transaction: for a 定制 order, production
    # orders for what stock does not cover (fulfillment).
    publish(OrderApproved(order=order, user=user))
    if order.is_custom:
        return order
    return order_try_allocate(order=order, user=None).order


REJECTION_REASONS = ["地址模糊", "商品缺货", "信用不足", "价格有误", "其他"]


@transaction.atomic
def order_reject(*, order: Order, user, reason: str, reason_code: str = "") -> Order:
    """驳回 back to the clerk with a reason (and a reason code from ``REJECTION_REASONS``)."""
    if reason_code and reason_code not in REJECTION_REASONS:
        raise InvalidInput(f"驳回原因类别“{reason_code}”无效")
    text = (reason or "").strip()
    if reason_code and text and not text.startswith(reason_code):
        text = f"{reason_code}：{text}"
    elif reason_code and not text:
        text = reason_code if reason_code != "其他" else ""
    return fire_transition(order=order, user=user, action="reject", reason=text, data={"reason_code": reason_code})


@transaction.atomic
def order_resubmit(*, order: Order, user, reason: str = "") -> Order:
    resubmitted = fire_transition(order=order, user=user, action="resubmit", reason=reason)
    resubmitted.checks.all().delete()
    Order.objects.filter(pk=resubmitted.pk).update(review_blockers=[], awaiting_manager=False)
    resubmitted.review_blockers, resubmitted.awaiting_manager = [], False
    queue_auto_review(resubmitted)
    return resubmitted


@in_platform_language
@transaction.atomic
def order_override_check(*, order: Order, user, check_name: str, reason: str) -> Order:
    """A 主管 releases a check that holds the order (credit hold, overdue debt, price)."""
    check_permission(user, "orders.override_review_check", "放行审核检查（需主管）")
    if not (reason or "").strip():
        raise InvalidInput("放行必须填写原因")
    if check_name not in review.OVERRIDABLE:
        raise InvalidInput("该检查项不能放行，请修改订单资料后重新审核")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.PENDING_REVIEW:
        raise InvalidTransition(f"订单 {locked.number} 不在待审核状态，无需放行")
    check = locked.checks.filter(name=check_name).first()
    if check is None or not check.is_blocking:
        raise InvalidInput("该检查项当前没有拦截订单")
    check.overridden_by, check.overridden_at, check.override_reason = user, timezone.now(), reason.strip()
    check.save(update_fields=["overridden_by", "overridden_at", "override_reason"])
    locked.review_blockers = [name for name in locked.review_blockers if name != check_name]
    locked.awaiting_manager = any(name in review.OVERRIDABLE for name in locked.review_blockers)
    locked.save(update_fields=["review_blockers", "awaiting_manager", "updated_at"])
    record_event(
        order=locked,
        user=user,
        kind=OrderEvent.Kind.HOLD,
        action="override_check",
        reason=f"放行“{check.get_name_display()}”：{reason.strip()}",
        data={"check": check_name, "message": check.message},
    )
    return locked
