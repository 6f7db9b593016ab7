"""Complaints from entry to 回访: open, start, assign, attach, propose a resolution, the
customer's confirmation or reopening, follow-up, close, escalate, and the overdue sweep."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from customers.models import Customer
from fulfillment.services import notifications_queue_direct
from inventory.models import Product
from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.uploads import CheckedImage
from orders.models import Order

from .. import notice_kinds as kinds
from ..audience import managers, permission_holders
from ..links import complaint_url
from ..models import (
    BEING_HANDLED,
    Channel,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintStatus,
    GoodwillStatus,
    Satisfaction,
    Severity,
)
from ..numbering import next_complaint_number
from .common import CUSTOMER_ACTOR_NAME, check, complaint_link, due_times, fire, lock, record_step
from .notifications import staff_notify

HANDLE = "servicedesk.handle_complaint"


@dataclass
class ComplaintInput:
    """What a clerk types (or the customer on the tracking page) to open a complaint."""

    channel: str
    category: ComplaintCategory
    description: str
    customer: Customer | None = None
    order: Order | None = None
    subcategory: ComplaintCategory | None = None
    severity: str = Severity.NORMAL
    product: Product | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


def _validate(data: ComplaintInput, *, by_customer: bool) -> Customer:
    problems = []
    if data.channel not in Channel.values:
        problems.append("请选择投诉渠道")
    if data.severity not in Severity.values:
        problems.append("请选择严重程度")
    if data.category is None or data.category.parent_id is not None or not data.category.is_active:
        problems.append("请选择投诉分类")
    elif data.subcategory is not None and (data.subcategory.parent_id != data.category.pk or not data.subcategory.is_active):
        problems.append(f"子分类“{data.subcategory.name}”不属于“{data.category.name}”")
    if not (data.description or "").strip():
        problems.append("请填写投诉内容")
    customer = data.customer or (data.order.customer if data.order else None)
    if customer is None:
        problems.append("请选择客户或订单")
    elif data.order is not None and data.order.customer_id != customer.pk:
        problems.append(f"订单 {data.order.number} 不是客户 {customer.name} 的订单")
    if by_customer and data.order is None:
        problems.append("在线投诉必须关联订单")
    if problems:
        raise InvalidInput("；".join(problems))
    return customer


def _contact(data: ComplaintInput, customer: Customer) -> tuple[str, str, str]:
    if data.contact_name.strip() or data.contact_phone.strip():
        return data.contact_name.strip(), data.contact_phone.strip(), data.contact_email.strip()
    if data.order is not None:
        return data.order.contact_name, data.order.contact_phone, data.order.contact_email
    contact = customer.primary_contact
    return (contact.name, contact.phone, contact.email) if contact else (customer.name, "", "")


def _store_attachments(complaint: Complaint, files: Sequence[CheckedImage], *, from_customer: bool) -> int:
    for checked in files:
        ComplaintAttachment.objects.create(
            complaint=complaint, file=checked.as_file(ComplaintAttachment.UPLOAD_FOLDER),
            content_type=checked.content_type, size=len(checked.content), from_customer=from_customer,
        )
    return len(files)


@in_platform_language
@transaction.atomic
def complaint_open(*, user, data: ComplaintInput, attachments: Sequence[CheckedImage] = (), assignee=None,
                   by_customer: bool = False, received_at: datetime | None = None) -> Complaint:
    """受理: a clerk enters a complaint received by phone, e-mail, in a store…, or the
    customer files one from the tracking page (``by_customer``: channel 跟踪页, nobody
    assigned yet — every 客服 is told). Due times run by severity from when it was received:
    now, or ``received_at`` for one entered later (a fax from the weekend, demo data), which
    also dates its number and its first step."""
    now = timezone.now()
    if received_at is not None and received_at > now:
        raise InvalidInput("收到投诉的时间不能晚于现在")
    received_at = received_at or now
    if not by_customer:
        check(user, "servicedesk.add_complaint", "登记投诉")
    if by_customer:
        data.channel, data.severity = Channel.TRACKING, Severity.NORMAL
    customer = _validate(data, by_customer=by_customer)
    if assignee is None and user is not None and user.has_perm(HANDLE):
        assignee = user
    if assignee is not None and not assignee.has_perm(HANDLE):
        raise InvalidInput(f"{assignee} 的角色不能处理投诉")
    respond_due, due = due_times(data.severity, received_at)
    name, phone, email = _contact(data, customer)
    complaint = Complaint.objects.create(
        number=next_complaint_number(timezone.localdate(received_at)), customer=customer, order=data.order,
        product=data.product, channel=data.channel, category=data.category, subcategory=data.subcategory,
        severity=data.severity, description=data.description.strip(), contact_name=name, contact_phone=phone,
        contact_email=email, assignee=assignee, created_by=None if by_customer else user,
        sales_owner=(data.order.owner if data.order else None) or customer.owner, created_at=received_at,
        respond_due_at=respond_due, due_at=due,
    )
    _store_attachments(complaint, attachments, from_customer=by_customer)
    record_step(complaint, user, "open", to_status=complaint.status, by_customer=by_customer, at=received_at,
                note=f"{complaint.get_channel_display()}，{complaint.category}，{complaint.get_severity_display()}："
                     f"{complaint.description[:200]}")
    link = complaint_link(complaint)
    if by_customer:
        staff_notify(users=permission_holders(HANDLE), kind=kinds.COMPLAINT_NEW, link=link,
                     text=f"客户在线投诉 {complaint.number}（订单 {data.order.number}）：{complaint.description[:60]}",
                     key=f"complaint_new:{complaint.pk}")
    elif assignee is not None:
        _tell_assignee(complaint, user, "新投诉")
    return complaint


def _tell_assignee(complaint: Complaint, user, why: str) -> None:
    staff_notify(users=[complaint.assignee], kind=kinds.COMPLAINT_ASSIGNED, exclude=user, link=complaint_link(complaint),
                 text=f"{why} {complaint.number}（{complaint.customer.name}，{complaint.get_severity_display()}）："
                      f"{complaint.description[:60]}",
                 key=f"complaint_assigned:{complaint.pk}:{complaint.events.count()}")


@transaction.atomic
def complaint_start(*, complaint: Complaint, user, note: str = "") -> Complaint:
    """首次响应: the clerk takes it up (and becomes its handler if it had none)."""
    started = fire(complaint=complaint, user=user, action="start", note=note)
    if started.assignee_id is None:
        started.assignee = user
        started.save(update_fields=["assignee"])
    return started


@in_platform_language
@transaction.atomic
def complaint_assign(*, complaint: Complaint, user, assignee) -> Complaint:
    """分派 to a 客服 (or a 主管 taking over an escalation); the new handler is told."""
    check(user, HANDLE, "分派投诉")
    locked = lock(complaint)
    if locked.status not in (*BEING_HANDLED, ComplaintStatus.AWAITING_CUSTOMER):
        raise InvalidTransition(f"投诉 {locked.number} 已{locked.get_status_display()}，不能再分派")
    if assignee is None or not assignee.is_active or not assignee.has_perm(HANDLE):
        raise InvalidInput("请选择能处理投诉的客服或主管")
    if locked.assignee_id == assignee.pk:
        return locked
    locked.assignee = assignee
    locked.save(update_fields=["assignee"])
    record_step(locked, user, "assign", note=f"处理人：{assignee.get_full_name() or assignee.get_username()}")
    _tell_assignee(locked, user, "投诉分派给您")
    return locked


@transaction.atomic
def complaint_attach(*, complaint: Complaint, user, attachments: Sequence[CheckedImage]) -> int:
    check(user, HANDLE, "补充投诉附件")
    if not attachments:
        raise InvalidInput("请选择要上传的照片或录音")
    locked = lock(complaint)
    count = _store_attachments(locked, attachments, from_customer=False)
    record_step(locked, user, "attach", note=f"{count} 个附件")
    return count


@in_platform_language
@transaction.atomic
def complaint_propose(*, complaint: Complaint, user, resolution: str) -> Complaint:
    """提交处理结果: the customer is told what was done and asked to confirm (the notice goes
    through the outbox — from the order's timeline, or directly for a complaint about no
    order). Not while a goodwill refund waits for a 主管."""
    if complaint.goodwill_refunds.filter(status=GoodwillStatus.PENDING).exists():
        raise InvalidTransition(f"投诉 {complaint.number} 的补偿退款正在等待主管审批，审批后再提交处理结果")
    resolution = (resolution or "").strip()
    url = complaint_url(complaint)
    proposed = fire(complaint=complaint, user=user, action="propose", note=resolution, resolution=resolution,
                    order_data={"complaint_resolution": resolution[:200], "complaint_url": url})
    proposed.resolution = resolution
    proposed.save(update_fields=["resolution"])
    if proposed.order_id is None:
        notifications_queue_direct(
            key="complaint_resolved", email=proposed.contact_email, phone=proposed.contact_phone,
            values={"联系人": proposed.contact_name, "投诉单号": proposed.number, "投诉处理": resolution[:200],
                    "确认链接": url},
        )
    return proposed


@transaction.atomic
def complaint_confirm(*, complaint: Complaint, satisfaction: str, comment: str = "", user=None) -> Complaint:
    """确认已解决 — by the customer on the complaint's page (``user=None``), or by a clerk
    who asked them on the phone."""
    by_customer = user is None
    if not by_customer:
        check(user, HANDLE, "代客户确认")
    comment = (comment or "").strip()[:1000]
    confirmed = fire(complaint=complaint, user=user, action="confirm", by_customer=by_customer,
                     satisfaction=satisfaction, note=_satisfaction_note(satisfaction, comment))
    confirmed.satisfaction, confirmed.customer_comment = satisfaction, comment
    confirmed.save(update_fields=["satisfaction", "customer_comment"])
    return confirmed


def _satisfaction_note(satisfaction: str, comment: str) -> str:
    label = Satisfaction(satisfaction).label if satisfaction in Satisfaction.values else ""
    return f"满意度：{label}" + (f"；{comment}" if comment else "")


@in_platform_language
@transaction.atomic
def complaint_reopen(*, complaint: Complaint, reason: str, user=None) -> Complaint:
    """重新打开 — the customer is not satisfied (on the complaint's page, before or after
    confirming), or a clerk learned so at 回访: back to 处理中 with a fresh due time."""
    by_customer = user is None
    if by_customer and lock(complaint).status not in (ComplaintStatus.AWAITING_CUSTOMER, ComplaintStatus.RESOLVED):
        raise InvalidTransition("该投诉当前不能重新打开，请联系客服")
    if not by_customer:
        check(user, HANDLE, "重新打开投诉")
    reason = (reason or "").strip()
    reopened = fire(complaint=complaint, user=user, action="reopen", by_customer=by_customer, reason=reason,
                    note=reason)
    reopened.reopened_count += 1
    reopened.overdue_since = None
    reopened.resolved_at = None
    reopened.respond_due_at, reopened.due_at = due_times(reopened.severity, timezone.now())
    reopened.save(update_fields=["reopened_count", "overdue_since", "resolved_at", "respond_due_at", "due_at"])
    if reopened.assignee_id:
        who = CUSTOMER_ACTOR_NAME if by_customer else "回访"
        _tell_assignee(reopened, user, f"投诉被重新打开（{who}：{reason[:40]}）")
    return reopened


@transaction.atomic
def complaint_follow_up(*, complaint: Complaint, user, satisfaction: str, note: str = "") -> Complaint:
    """回访: the clerk calls back after the customer confirmed, and records their satisfaction."""
    note = (note or "").strip()
    followed = fire(complaint=complaint, user=user, action="follow_up", satisfaction=satisfaction,
                    note=_satisfaction_note(satisfaction, note))
    followed.satisfaction, followed.follow_up_note = satisfaction, note
    followed.save(update_fields=["satisfaction", "follow_up_note"])
    return followed


@transaction.atomic
def complaint_close(*, complaint: Complaint, user, reason: str) -> Complaint:
    """关闭: without the customer's confirmation (unreachable, withdrawn, a duplicate)."""
    if complaint.goodwill_refunds.filter(status=GoodwillStatus.PENDING).exists():
        raise InvalidTransition(f"投诉 {complaint.number} 的补偿退款正在等待主管审批，不能关闭")
    return fire(complaint=complaint, user=user, action="close", reason=reason, note=(reason or "").strip())


@in_platform_language
@transaction.atomic
def complaint_escalate(*, complaint: Complaint, user, reason: str) -> Complaint:
    """升级 to the 主管 (a clerk's request, or ``user=None``: the overdue sweep). The
    complaint stays where it is; every 主管 is told and one takes it over."""
    if user is not None:
        check(user, HANDLE, "升级投诉")
    reason = (reason or "").strip()
    escalated = fire(complaint=complaint, user=user, action="escalate", reason=reason, note=reason)
    escalated.escalated_at = timezone.now()
    escalated.escalation_reason = reason[:300]
    escalated.save(update_fields=["escalated_at", "escalation_reason"])
    people = set(managers()) | ({escalated.assignee} if user is None and escalated.assignee else set())
    staff_notify(users=people, kind=kinds.COMPLAINT_ESCALATED, exclude=user, link=complaint_link(escalated),
                 text=f"投诉 {escalated.number} 升级（{escalated.customer.name}）：{reason[:80]}",
                 key=f"complaint_escalated:{escalated.pk}:{escalated.events.count()}")
    return escalated


@in_platform_language
@transaction.atomic
def complaints_flag_overdue(*, now: datetime | None = None) -> int:
    """The beat sweep: a complaint past its first-response or resolution due time is marked
    overdue and escalated to the 主管 — once per due time: one answered late is escalated
    again when its resolution is late too (``overdue_since`` older than the due time)."""
    now = now or timezone.now()
    late = Complaint.objects.select_for_update().filter(status__in=BEING_HANDLED).filter(
        Q(due_at__lt=now, overdue_since__isnull=True) | Q(due_at__lt=now, overdue_since__lt=F("due_at"))
        | Q(status=ComplaintStatus.ACCEPTED, respond_due_at__lt=now, overdue_since__isnull=True)
    )
    flagged = 0
    for complaint in late.order_by("pk"):
        what = "首次响应" if complaint.status == ComplaintStatus.ACCEPTED and complaint.due_at >= now else "处理"
        due = complaint.respond_due_at if what == "首次响应" else complaint.due_at
        complaint.overdue_since = now
        complaint.save(update_fields=["overdue_since"])
        text = f"超过{what}时限 {timezone.localtime(due):%Y-%m-%d %H:%M}"
        record_step(complaint, None, "overdue", note=text)
        complaint_escalate(complaint=complaint, user=None, reason=text)
        flagged += 1
    return flagged
