"""What a resolution may do besides explaining: open an after-sales case, pay a goodwill
refund through the settlement services (above the policy amount only once a 主管 other than
the requester approves), or tell the customer's sales owner."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aftersales.services import case_open
from ordermgmt import policies
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.money import format_yuan, to_money
from orders.models import Order, Refund
from orders.services import order_compensate

from .. import notice_kinds as kinds
from ..audience import managers
from ..models import Complaint, ComplaintStatus, GoodwillRefund, GoodwillStatus
from ..policies import GOODWILL_APPROVAL_AMOUNT
from .common import check, complaint_link, lock, record_step
from .notifications import staff_notify

HANDLE = "servicedesk.handle_complaint"
APPROVE = "servicedesk.approve_goodwill"


def _in_progress(complaint: Complaint, what: str) -> Complaint:
    locked = lock(complaint)
    if locked.status != ComplaintStatus.IN_PROGRESS:
        raise InvalidTransition(f"投诉 {locked.number} 当前为“{locked.get_status_display()}”，开始处理后才能{what}")
    return locked


@in_platform_language
@transaction.atomic
def complaint_open_after_sales(*, complaint: Complaint, user, service: str, case_type: str, description: str):
    """转售后: an after-sales case for the complaint's order (its rules decide: delivered, …)."""
    check(user, HANDLE, "转售后")
    locked = _in_progress(complaint, "转售后")
    if locked.order_id is None:
        raise InvalidInput("该投诉没有关联订单，不能转售后")
    if locked.after_sales_case_id:
        raise InvalidTransition(f"投诉 {locked.number} 已转售后工单 {locked.after_sales_case.number}")
    case = case_open(order=locked.order, user=user, service=service, case_type=case_type,
                     description=(description or "").strip() or locked.description, source=f"投诉 {locked.number}")
    locked.after_sales_case = case
    locked.save(update_fields=["after_sales_case"])
    record_step(locked, user, "after_sales", note=f"售后工单 {case.number}（{case.get_service_display()}）")
    return case


@in_platform_language
@transaction.atomic
def goodwill_request(*, complaint: Complaint, user, amount: Decimal, reason: str) -> GoodwillRefund:
    """申请补偿退款: paid at once up to the policy amount; above it, every 主管 is told and the
    refund waits for one of them (not the requester)."""
    check(user, HANDLE, "申请补偿退款")
    check(user, "servicedesk.add_goodwillrefund", "申请补偿退款")
    locked = _in_progress(complaint, "申请补偿")
    amount = to_money(amount)
    reason = (reason or "").strip()
    if amount <= 0:
        raise InvalidInput("补偿金额必须大于 0")
    if not reason:
        raise InvalidInput("请填写补偿原因")
    if locked.goodwill_refunds.filter(status=GoodwillStatus.PENDING).exists():
        raise InvalidTransition(f"投诉 {locked.number} 已有一笔补偿退款等待主管审批")
    order = _refundable_order(locked, amount)
    goodwill = GoodwillRefund.objects.create(complaint=locked, amount=amount, reason=reason[:300], requested_by=user)
    limit = policies.get_policy(GOODWILL_APPROVAL_AMOUNT)
    if amount <= limit:
        return _pay(goodwill, order, user, note=f"补偿退款 {format_yuan(amount)}（不超过 {format_yuan(limit)}，无需审批）：{reason}")
    record_step(locked, user, "goodwill_requested",
                note=f"补偿退款 {format_yuan(amount)} 超过 {format_yuan(limit)}，等待主管审批：{reason}")
    staff_notify(users=managers(), kind=kinds.GOODWILL_APPROVAL, exclude=user, link=complaint_link(locked),
                 text=f"投诉 {locked.number} 申请补偿退款 {format_yuan(amount)}，等待审批：{reason[:60]}",
                 key=f"goodwill:{goodwill.pk}")
    return goodwill


def _refundable_order(complaint: Complaint, amount: Decimal) -> Order:
    if complaint.order_id is None:
        raise InvalidInput("补偿退款须关联订单（退回客户在该订单上的付款）")
    order = complaint.order
    order.refresh_from_db()
    if amount > order.net_paid:
        raise InvalidInput(f"补偿金额 {format_yuan(amount)} 超过客户在订单 {order.number} 上已付未退的 "
                           f"{format_yuan(order.net_paid)}")
    return order


def _pay(goodwill: GoodwillRefund, order: Order, user, *, note: str) -> GoodwillRefund:
    """The refund itself, through orders' settlement service (the order's timeline notes it
    and the customer is told by the refund notice)."""
    complaint = goodwill.complaint
    # Booked as a credit note on the order (its balance stays right) with the money back by policy.
    refund = order_compensate(
        order=order, user=None, amount=goodwill.amount, reason=f"投诉 {complaint.number} 补偿：{goodwill.reason}"[:300],
        source=Refund.Source.GOODWILL, case_number=complaint.number, requested_by=goodwill.requested_by,
    )
    goodwill.status, goodwill.refund = GoodwillStatus.PAID, refund
    goodwill.save(update_fields=["status", "refund"])
    record_step(complaint, user, "goodwill_paid", note=note)
    return goodwill


def _pending(goodwill: GoodwillRefund, user) -> GoodwillRefund:
    check(user, APPROVE, "审批补偿退款")
    locked = GoodwillRefund.objects.select_for_update(of=("self",)).select_related("complaint", "requested_by").get(
        pk=goodwill.pk)
    if locked.status != GoodwillStatus.PENDING:
        raise InvalidTransition(f"该补偿已{locked.get_status_display()}")
    if locked.requested_by_id == user.pk:
        raise ActionForbidden("不能审批自己申请的补偿退款，请由另一位主管审批")
    locked.decided_by, locked.decided_at = user, timezone.now()
    return locked


@in_platform_language
@transaction.atomic
def goodwill_approve(*, goodwill: GoodwillRefund, user, note: str = "") -> GoodwillRefund:
    locked = _pending(goodwill, user)
    complaint = lock(locked.complaint)
    order = _refundable_order(complaint, locked.amount)
    locked.decision_note = (note or "").strip()[:300]
    locked.save(update_fields=["decided_by", "decided_at", "decision_note"])
    paid = _pay(locked, order, user, note=f"主管批准补偿退款 {format_yuan(locked.amount)}"
                                      + (f"：{locked.decision_note}" if locked.decision_note else ""))
    staff_notify(users=[locked.requested_by], kind=kinds.GOODWILL_APPROVAL, link=complaint_link(complaint),
                 text=f"投诉 {complaint.number} 的补偿退款 {format_yuan(locked.amount)} 已批准并退款",
                 key=f"goodwill_decided:{locked.pk}")
    return paid


@in_platform_language
@transaction.atomic
def goodwill_decline(*, goodwill: GoodwillRefund, user, note: str) -> GoodwillRefund:
    locked = _pending(goodwill, user)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写不批准的原因")
    locked.status, locked.decision_note = GoodwillStatus.DECLINED, note[:300]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    complaint = locked.complaint
    record_step(complaint, user, "goodwill_declined", note=f"补偿退款 {format_yuan(locked.amount)} 未批准：{note}")
    staff_notify(users=[locked.requested_by], kind=kinds.GOODWILL_APPROVAL, link=complaint_link(complaint),
                 text=f"投诉 {complaint.number} 的补偿退款 {format_yuan(locked.amount)} 未批准：{note[:60]}",
                 key=f"goodwill_decided:{locked.pk}")
    return locked


@in_platform_language
@transaction.atomic
def complaint_note_to_owner(*, complaint: Complaint, user, note: str) -> Complaint:
    """转告销售负责人: the customer's sales owner hears what happened and what was done."""
    check(user, HANDLE, "转告销售负责人")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写转告内容")
    locked = lock(complaint)
    owner = locked.sales_owner or (locked.order.owner if locked.order_id else None) or locked.customer.owner
    if owner is None:
        raise InvalidInput(f"客户 {locked.customer.name} 没有销售负责人")
    record_step(locked, user, "note_to_owner", note=f"转告 {owner.get_full_name() or owner.get_username()}：{note}")
    staff_notify(users=[owner], kind=kinds.COMPLAINT_NOTE, exclude=user, link=complaint_link(locked),
                 text=f"客户 {locked.customer.name} 的投诉 {locked.number}：{note[:120]}",
                 key=f"complaint_note:{locked.pk}:{locked.events.count()}")
    return locked
