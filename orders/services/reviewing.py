"""Review: approval and 驳回, the automatic review and a 主管's overrides."""

from django.db import transaction
from django.utils import timezone

from ordermgmt.domain_events import publish
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language

from .. import review
from ..domain_events import OrderApproved
from ..events import record_event
from ..models import (
    CheckResult,
    Order,
    OrderEvent,
    OrderStatus,
    ReviewCheck,
)
from .allocation import order_try_allocate
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


@transaction.atomic
def order_auto_review(*, order: Order, user=None) -> Order:
    """Run every check, store the results, and approve the order when nothing holds it.

    Auto-approval needs: no block, no warning, amount within the manual-review threshold,
    and a 现货 order. Overrides a 主管 gave earlier stay valid until the order is edited.
    Running it again is safe; on an order that is no longer 待审核 it does nothing.
    """
    locked = (
        Order.objects.select_for_update(of=("self",)).select_related("customer").prefetch_related("lines__product")
        .get(pk=order.pk)
    )
    if locked.status != OrderStatus.PENDING_REVIEW:
        return locked
    if user is not None and not (user.has_perm("orders.review_order") or user.has_perm("orders.change_order")):
        raise ActionForbidden("您的角色没有权限重新运行自动审核")
    outcomes = review.run_checks(locked)
    previous = {check.name: check for check in locked.checks.all()}
    now = timezone.now()
    blockers, warnings = [], []
    for outcome in outcomes:
        check = previous.get(outcome.name) or ReviewCheck(order=locked, name=outcome.name)
        kept_override = check.overridden_at is not None and check.result == outcome.result
        check.result, check.message, check.figures = outcome.result, outcome.message, outcome.figures
        check.needs_override = outcome.needs_override
        check.checked_at = now
        if not kept_override:
            check.overridden_by, check.overridden_at, check.override_reason = None, None, ""
        check.save()
        if check.is_blocking:
            blockers.append(outcome.name)
        if outcome.result == CheckResult.WARN and not check.overridden_at:
            warnings.append(outcome.name)
    manual_reason = review.manual_review_reason(locked)
    locked.review_blockers = blockers
    locked.awaiting_manager = any(name in review.OVERRIDABLE for name in blockers)
    locked.needs_manual_review = bool(manual_reason)
    locked.save(update_fields=["review_blockers", "awaiting_manager", "needs_manual_review", "updated_at"])

    summary = _review_summary(outcomes, blockers, warnings, manual_reason)
    record_event(
        order=locked,
        user=user,
        kind=OrderEvent.Kind.REVIEW if "credit" not in blockers else OrderEvent.Kind.HOLD,
        action="auto_review",
        reason=summary,
        data={o.name: o.result for o in outcomes},
    )
    if not blockers and not warnings and not manual_reason:
        return order_approve(order=locked, user=None, reason="自动审核全部通过")
    return locked


@in_platform_language
def _review_summary(outcomes, blockers, warnings, manual_reason) -> str:
    labels = dict(ReviewCheck.Name.choices)
    parts = []
    if blockers:
        parts.append("拦截：" + "、".join(str(labels[n]) for n in blockers))
    if warnings:
        parts.append("警告：" + "、".join(str(labels[n]) for n in warnings if n not in blockers))
    if manual_reason:
        parts.append(manual_reason)
    if not parts:
        return "自动审核：全部检查通过"
    if "credit" in blockers:
        parts.insert(0, "信用额度不足，订单已冻结，等待主管放行")
    return "自动审核：" + "；".join(p for p in parts if not p.endswith("："))


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
