"""Every write to an after-sales case, a cancellation after shipping, and feedback.

Each function runs in one transaction, locks the case (and its order where the order
changes), fires the case's django-fsm transition, saves, and writes the case's timeline;
the order's own timeline records the case opening and the end of after-sales. While any
case of an order is open the order is 售后中; when the last one ends it returns to where it
was (已交付 / 已完成), or ends 已关闭 for a cancellation after shipping.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from fulfillment.models import DeliveryProof
from inventory.models import StockAllocation, Warehouse
from inventory.services import stock_receive
from ordermgmt import policies
from ordermgmt.domain_events import publish
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.money import format_yuan, to_money
from ordermgmt.uploads import CheckedImage
from ordermgmt.workdays import add_working_days, working_days_between
from orders import services as order_services
from orders.events import actor_display_name, record_event
from orders.models import Order, OrderEvent, OrderLine, OrderStatus, Refund

from .domain_events import AfterSalesCaseOpened
from .models import (
    ENDED,
    AfterSalesCase,
    AfterSalesPhoto,
    CaseEvent,
    CaseLine,
    CaseStatus,
    CaseType,
    Feedback,
    Service,
)

ACTION_LABELS = {
    "open": "登记售后",
    "approve_return": "审核通过，等待退货",
    "approve_without_return": "审核通过（无需退货）",
    "reject": "驳回",
    "pass_inspection": "收货检验合格",
    "fail_inspection": "收货检验不合格",
    "refund": "退款",
    "start_exchange": "发出换货",
    "finish_exchange": "换货已发出",
    "finish_repair": "维修完成",
    "close": "结案",
    "overdue": "超过处理时限",
    "due_changed": "处理时限调整",
}
AFTER_SALES_STATUSES = [OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.AFTER_SALES]
QUARANTINE_CODE = "WH-QC"


@dataclass
class CaseLineInput:
    order_line: OrderLine
    quantity: int


def _check(user, perm: str, what: str) -> None:
    if user is not None and not user.has_perm(perm):
        raise ActionForbidden(f"您的角色没有权限{what}")


def _event(case: AfterSalesCase, user, action: str, *, from_status="", to_status="", note: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, action=action, from_status=from_status, to_status=to_status, actor=user,
        actor_name=actor_display_name(user) if user is not None or action != "open" else "客户",
        note=note,
    )


@in_platform_language
def _fire(*, case: AfterSalesCase, user, action: str, note: str = "", **kwargs) -> AfterSalesCase:
    locked = AfterSalesCase.objects.select_for_update(of=("self",)).select_related("order").get(pk=case.pk)
    method = getattr(locked, action)
    label = ACTION_LABELS.get(action, action)
    if not can_proceed(method, check_conditions=False):
        raise InvalidTransition(f"售后工单 {locked.number} 当前状态为“{locked.get_status_display()}”，不能执行“{label}”")
    if not can_proceed(method):
        raise InvalidTransition(f"售后工单 {locked.number}（{locked.get_service_display()}）不能执行“{label}”")
    if user is not None and not has_transition_perm(method, user):
        raise ActionForbidden(f"您的角色没有权限执行“{label}”")
    from_status = locked.status
    try:
        method(**kwargs)
    except TransitionNotAllowed as error:
        raise InvalidTransition(f"售后工单 {locked.number} 不能执行“{label}”") from error
    now = timezone.now()
    if locked.status == CaseStatus.RESOLVED:
        locked.resolved_at = now
    if locked.status in ENDED:
        locked.closed_at = now
    locked.save()
    _event(locked, user, action, from_status=from_status, to_status=locked.status, note=note)
    case.refresh_from_db()
    return locked


def due_at(service: str, opened_at: datetime) -> datetime:
    """The end of the N-th working day after the case was opened (7 for returns and repairs,
    3 for an exchange to reach the customer; both policies a 主管 can change)."""
    days = policies.get_policy(
        policies.EXCHANGE_SLA_WORKING_DAYS if service == Service.EXCHANGE else policies.RETURN_SLA_WORKING_DAYS
    )
    return _end_of_working_day(timezone.localdate(opened_at), days)


def _end_of_working_day(opened: date, days: int) -> datetime:
    last_day = add_working_days(opened, days)
    return timezone.make_aware(datetime.combine(last_day, time(23, 59, 59)), timezone.get_current_timezone())


def returnable_quantities(order: Order, *, exclude_case: AfterSalesCase | None = None) -> dict[int, int]:
    """Per order line: quantity not already in another (non-rejected) case."""
    taken = (
        CaseLine.objects.filter(case__order=order).exclude(case__status=CaseStatus.REJECTED)
        .exclude(case=exclude_case).values("order_line").annotate(n=Sum("quantity"))
    )
    used = {row["order_line"]: row["n"] for row in taken}
    return {line.pk: line.quantity - used.get(line.pk, 0) for line in order.lines.all()}


def _set_lines(case: AfterSalesCase, order: Order, lines: Sequence[CaseLineInput]) -> None:
    lines = [line for line in lines if line.quantity]
    if not lines:
        raise InvalidInput("请选择售后商品和数量")
    available = returnable_quantities(order, exclude_case=case if case.pk else None)
    problems = []
    for line in lines:
        if line.order_line.order_id != order.pk:
            problems.append(f"商品 {line.order_line.product_sku} 不属于订单 {order.number}")
        elif line.quantity < 0 or line.quantity > available.get(line.order_line.pk, 0):
            problems.append(
                f"第{line.order_line.line_no}行 {line.order_line.product_name}：最多可申请 {available.get(line.order_line.pk, 0)} 件"
            )
    if problems:
        raise InvalidInput("；".join(problems))
    case.lines.all().delete()
    CaseLine.objects.bulk_create([CaseLine(case=case, order_line=l.order_line, quantity=l.quantity) for l in lines])


def _store_photos(case: AfterSalesCase, photos: Sequence) -> None:
    rows = []
    for photo in photos:
        if isinstance(photo, CheckedImage):
            rows.append(AfterSalesPhoto(case=case, file=photo.as_file(AfterSalesPhoto.UPLOAD_FOLDER), content_type=photo.content_type,
                                        size=len(photo.content)))
        else:  # an already stored, validated file (delivery proof photos are shared, not copied)
            rows.append(AfterSalesPhoto(case=case, file=photo.file.name, content_type=photo.content_type,
                                        size=photo.size))
    for row in rows:
        row.save()


@transaction.atomic
def case_open(
    *,
    order: Order,
    user,
    service: str,
    case_type: str,
    description: str,
    lines: Sequence[CaseLineInput] = (),
    photos: Sequence = (),
    source: str = "",
    by_customer: bool = False,
) -> AfterSalesCase:
    """登记售后 for a delivered order (by 客服 / 售后专员, or by the customer on the tracking
    page within the support window). The order becomes 售后中."""
    if not by_customer:
        _check(user, "aftersales.add_aftersalescase", "登记售后")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if by_customer:
        window = policies.get_policy(policies.SUPPORT_DAYS)
        delivered = locked.delivered_at or locked.completed_at
        if delivered is None or (timezone.now() - delivered).days > window:
            raise InvalidInput(f"已超过售后服务期（交付后 {window} 天），请联系客服")
    return _open(order=locked, user=user, service=service, case_type=case_type, description=description,
                 lines=lines, photos=photos, source=source, by_customer=by_customer)


@in_platform_language
def _open(*, order, user, service, case_type, description, lines, photos, source, by_customer) -> AfterSalesCase:
    if order.status not in AFTER_SALES_STATUSES:
        raise InvalidTransition(f"订单 {order.number} 当前为“{order.get_status_display()}”，交付后才能申请售后")
    if service not in Service.values:
        raise InvalidInput("请选择处理方式（退货退款、换货或维修）")
    if case_type not in CaseType.values:
        raise InvalidInput("请选择问题类型")
    if not (description or "").strip():
        raise InvalidInput("请填写问题描述")
    now = timezone.now()
    case = AfterSalesCase.objects.create(
        order=order, case_type=case_type, service=service, description=description.strip(), source=source,
        opened_by=user, opened_by_customer=by_customer, created_at=now, due_at=due_at(service, now),
        requires_return=case_type != CaseType.MISSING_ITEMS,
    )
    if lines:
        _set_lines(case, order, lines)
    _store_photos(case, photos)
    _event(case, user, "open", to_status=case.status,
           note=f"{case.get_service_display()}（{case.get_case_type_display()}）：{case.description}")
    reason = f"售后工单 {case.number}：{case.get_service_display()}，{case.get_case_type_display()}"
    if order.status != OrderStatus.AFTER_SALES:
        order_services.order_open_after_sales(order=order, user=None, reason=reason)
    else:
        record_event(order=order, user=user, kind=OrderEvent.Kind.NOTE, action="after_sales_case", reason=reason)
    publish(AfterSalesCaseOpened(case=case, user=user))
    return case


@transaction.atomic
def after_sales_case_open_for_delivery(*, proof: DeliveryProof, user, photos: Sequence = ()) -> AfterSalesCase:
    """A case opened by an abnormal receipt at delivery (破损 / 错发 / 少件), recorded by
    whoever took the signature. The 售后专员 chooses the lines when approving it."""
    case_type = proof.condition
    service = Service.RETURN_REFUND if case_type == CaseType.DAMAGED else Service.EXCHANGE
    shipment = proof.shipment
    locked = Order.objects.select_for_update().get(pk=shipment.order_id)
    case = _open(order=locked, user=user, service=service, case_type=case_type, description=proof.note,
                 lines=(), photos=photos, source=f"签收异常 {shipment}", by_customer=False)
    case.delivery_proof = proof
    case.save(update_fields=["delivery_proof"])
    record_event(
        order=locked, user=user, kind=OrderEvent.Kind.NOTE, action="delivery_abnormal",
        reason=f"签收异常（{proof.get_condition_display()}）：{proof.note}；已登记售后工单 #{case.pk}",
        data={"shipment_id": shipment.pk, "after_sales_case": case.pk},
    )
    return case


@transaction.atomic
def case_approve(
    *, case: AfterSalesCase, user, service: str | None = None, lines: Sequence[CaseLineInput] | None = None,
    note: str = "",
) -> AfterSalesCase:
    """审核通过: goods are to come back (待退货), or — nothing to send back (少件) — straight on."""
    locked = AfterSalesCase.objects.select_for_update(of=("self",)).select_related("order").get(pk=case.pk)
    if locked.status != CaseStatus.PENDING:
        raise InvalidTransition(f"售后工单 {locked.number} 不在待审核状态")
    _check(user, "aftersales.handle_case", "审核售后")
    if service:
        if service not in Service.values:
            raise InvalidInput("处理方式无效")
        if service != locked.service:
            locked.service = service
            locked.due_at = due_at(service, locked.created_at)
    if lines is not None:
        _set_lines(locked, locked.order, lines)
    if not locked.lines.exists():
        raise InvalidInput("请选择售后商品和数量后再审核")
    locked.save()
    action = "approve_return" if locked.requires_return else "approve_without_return"
    return _fire(case=locked, user=user, action=action, note=note)


@transaction.atomic
def case_reject(*, case: AfterSalesCase, user, reason: str) -> AfterSalesCase:
    rejected = _fire(case=case, user=user, action="reject", note=reason, reason=reason)
    _after_case_ended(rejected)
    return rejected


def _sellable_warehouse(case: AfterSalesCase) -> Warehouse:
    """Returned goods go back where the order's goods left from (its first batch's warehouse)."""
    allocation = StockAllocation.objects.filter(
        order_line__order=case.order, batch__warehouse__is_quarantine=False
    ).select_related("batch__warehouse").first()
    if allocation is not None:
        return allocation.batch.warehouse
    warehouse = Warehouse.objects.filter(is_active=True, is_quarantine=False).order_by("code").first()
    if warehouse is None:
        raise InvalidInput("没有可用仓库接收退货，请先在主数据中建立仓库")
    return warehouse


def _quarantine_warehouse() -> Warehouse:
    warehouse, _ = Warehouse.objects.get_or_create(
        code=QUARANTINE_CODE, defaults={"name": "隔离仓（检验不合格退货）", "is_quarantine": True}
    )
    return warehouse


@transaction.atomic
def case_receive(
    *, case: AfterSalesCase, user, intact: bool, accessories_complete: bool, note: str = ""
) -> AfterSalesCase:
    """收货检验. Passed (完好、配件齐全): returned goods go back into stock as a new batch.
    Failed: the goods go to the quarantine warehouse and the case goes back to 待审核 with
    the reason, for the reviewer to decide (reject, or handle it another way)."""
    locked = AfterSalesCase.objects.select_for_update(of=("self",)).select_related("order").get(pk=case.pk)
    if locked.status != CaseStatus.AWAITING_RETURN:
        raise InvalidTransition(f"售后工单 {locked.number} 不在待退货状态")
    _check(user, "aftersales.handle_case", "收货检验")
    passed = intact and accessories_complete
    findings = f"完好：{'是' if intact else '否'}；配件齐全：{'是' if accessories_complete else '否'}"
    record = findings + (f"；{note.strip()}" if note.strip() else "")
    locked.inspection_note = (locked.inspection_note + "\n" if locked.inspection_note else "") + record
    locked.save(update_fields=["inspection_note"])
    if locked.service != Service.REPAIR:
        warehouse = _sellable_warehouse(locked) if passed else _quarantine_warehouse()
        for line in locked.lines.select_related("order_line__product"):
            stock_receive(
                product=line.order_line.product, warehouse=warehouse, quantity=line.quantity, user=user,
                reason=f"售后工单 {locked.number} 退货入库" + ("" if passed else "（检验不合格，隔离）"),
                notify=passed,
            )
    if passed:
        return _fire(case=locked, user=user, action="pass_inspection", note=record)
    return _fire(case=locked, user=user, action="fail_inspection", note=f"检验不合格：{record}",
                 reason=f"检验不合格：{record}")


def case_value(case: AfterSalesCase) -> Decimal:
    """What the goods of the case were sold for, tax included, net of discounts."""
    value = Decimal("0.00")
    for line in case.lines.select_related("order_line"):
        order_line = line.order_line
        value += to_money(order_line.total * line.quantity / order_line.quantity)
    return value


@dataclass(frozen=True)
class RefundQuote:
    value: Decimal  # no longer owed by the customer
    refund: Decimal  # money paid back
    explanation: str


def refund_quote(case: AfterSalesCase) -> RefundQuote:
    """Returned goods are no longer owed; money goes back only for what the customer had
    paid beyond what they still owe (refund = max(0, value − balance due))."""
    order = case.order
    if case.case_type == CaseType.CANCELLED_AFTER_SHIPPING:
        quote = cancellation_quote(order)
        return RefundQuote(quote.credit, max(quote.credit - order.balance_due, Decimal("0.00")), quote.explanation)
    value = case_value(case)
    owed = order.balance_due
    refund = max(value - owed, Decimal("0.00"))
    parts = "、".join(f"{l.order_line.product_sku} × {l.quantity}" for l in case.lines.select_related("order_line"))
    explanation = f"退货 {parts}，按成交价（含税、扣除优惠）共 {format_yuan(value)}"
    if owed > 0:
        explanation += f"；客户尚欠 {format_yuan(owed)}，先冲减欠款"
    explanation += f"；退款 {format_yuan(refund)}"
    return RefundQuote(value, refund, explanation)


@in_platform_language
@transaction.atomic
def case_refund(*, case: AfterSalesCase, user, reference: str = "") -> AfterSalesCase:
    """退款 for an inspected return: the goods are no longer owed, money goes back by rule."""
    locked = AfterSalesCase.objects.select_for_update(of=("self",)).select_related("order").get(pk=case.pk)
    if locked.status != CaseStatus.INSPECTED or locked.service != Service.RETURN_REFUND:
        raise InvalidTransition(f"售后工单 {locked.number} 当前不能退款")
    _check(user, "aftersales.handle_case", "退款")
    quote = refund_quote(locked)
    order_services.refund_record(
        order=locked.order, user=None, amount=quote.refund, credit_amount=min(quote.value, locked.order.net_total),
        reason=f"售后工单 {locked.number} {locked.get_case_type_display()}", source=Refund.Source.AFTER_SALES,
        computation=quote.explanation, case_number=locked.number, reference=reference,
    )
    locked.refund_amount, locked.refund_computation = quote.refund, quote.explanation
    locked.save(update_fields=["refund_amount", "refund_computation"])
    return _fire(case=locked, user=user, action="refund", note=quote.explanation)


@transaction.atomic
def case_start_exchange(*, case: AfterSalesCase, user) -> AfterSalesCase:
    """换货: a linked replacement order for the same goods — no charge, no credit check,
    allocated ahead of others — that goes through the warehouse and logistics as usual."""
    locked = AfterSalesCase.objects.select_for_update(of=("self",)).select_related("order").get(pk=case.pk)
    if locked.status != CaseStatus.INSPECTED or locked.service != Service.EXCHANGE:
        raise InvalidTransition(f"售后工单 {locked.number} 当前不能发出换货")
    _check(user, "aftersales.handle_case", "发出换货")
    original = locked.order
    reason = f"换货补发（售后工单 {locked.number}），不另收费"
    details = order_services.OrderDetails(
        customer=original.customer, contact_name=original.contact_name, contact_phone=original.contact_phone,
        contact_email=original.contact_email, ship_province=original.ship_province, ship_city=original.ship_city,
        ship_district=original.ship_district, ship_address=original.ship_address, channel=original.channel,
        priority=original.priority, owner=original.owner, invoice_type="none", payment_method=original.payment_method,
        notes=reason, freight_waived=True, freight_waiver_reason="换货免运费",
    )
    lines = [
        order_services.LineInput(product=line.order_line.product, quantity=line.quantity, unit_price=Decimal("0.00"),
                                 override_reason=reason)
        for line in locked.lines.select_related("order_line__product")
    ]
    replacement = order_services.order_create(
        user=None, details=details, lines=lines, note=f"售后工单 {locked.number} 的换货订单，原订单 {original.number}",
        replaces_order=original,
    )
    locked.replacement_order = replacement
    locked.save(update_fields=["replacement_order"])
    record_event(order=original, user=user, kind=OrderEvent.Kind.NOTE, action="exchange_order",
                 reason=f"售后工单 {locked.number}：已生成换货订单 {replacement.number}")
    return _fire(case=locked, user=user, action="start_exchange", note=f"换货订单 {replacement.number}")


EXCHANGE_SENT = {OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.COMPLETED}


@transaction.atomic
def case_finish_exchange(*, case: AfterSalesCase, user) -> AfterSalesCase:
    locked = AfterSalesCase.objects.select_for_update(of=("self",)).select_related("replacement_order").get(pk=case.pk)
    replacement = locked.replacement_order
    if replacement is None or replacement.status not in EXCHANGE_SENT:
        state = replacement.get_status_display() if replacement else "未生成"
        raise InvalidTransition(f"换货订单尚未出库（当前：{state}），出库后才能确认换货已发出")
    return _fire(case=locked, user=user, action="finish_exchange", note=f"换货订单 {replacement.number} 已出库")


@transaction.atomic
def case_finish_repair(*, case: AfterSalesCase, user, note: str) -> AfterSalesCase:
    locked = AfterSalesCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    locked.resolution_note = (note or "").strip()
    locked.save(update_fields=["resolution_note"])
    return _fire(case=locked, user=user, action="finish_repair", note=note, resolution=note)


@transaction.atomic
def case_close(*, case: AfterSalesCase, user, note: str = "") -> AfterSalesCase:
    closed = _fire(case=case, user=user, action="close", note=note)
    _after_case_ended(closed)
    return closed


def _after_case_ended(case: AfterSalesCase) -> None:
    """When the order's last open case has ended, the order leaves 售后中."""
    order = Order.objects.select_for_update().get(pk=case.order_id)
    still_open = AfterSalesCase.objects.filter(order=order).exclude(status__in=ENDED).exists()
    if order.status == OrderStatus.AFTER_SALES and not still_open:
        numbers = "、".join(c.number for c in order.after_sales_cases.all())
        order_services.order_close_after_sales(order=order, user=None, reason=f"售后工单 {numbers} 已全部结案")


@transaction.atomic
def cases_flag_overdue(*, now: datetime | None = None) -> int:
    """Mark open cases past their due time (the beat task runs this every hour)."""
    now = now or timezone.now()
    late = list(
        AfterSalesCase.objects.select_for_update().exclude(status__in=ENDED)
        .filter(due_at__lt=now, overdue_since__isnull=True)
    )
    for case in late:
        case.overdue_since = now
        case.save(update_fields=["overdue_since"])
        _event(case, None, "overdue", note=f"超过处理时限 {timezone.localtime(case.due_at):%Y-%m-%d %H:%M}")
        record_event(order=case.order, user=None, kind=OrderEvent.Kind.NOTE, action="after_sales_overdue",
                     reason=f"售后工单 {case.number} 超过处理时限")
    return len(late)


@transaction.atomic
def cases_follow_calendar(*, changes: Mapping[date, str | None]) -> int:
    """The working-day calendar changed on some days (``{day: its kind before}``, a 主管
    entered a year's 放假安排): an open case whose working days ran over one of them keeps
    its number of working days and gets the due date that number gives now. A case no
    longer late loses its overdue flag. Returns how many cases moved."""
    if not changes:
        return 0
    zone = timezone.get_current_timezone()
    first, last = min(changes), max(changes)
    affected = (
        AfterSalesCase.objects.select_for_update().exclude(status__in=ENDED)
        .filter(due_at__gte=timezone.make_aware(datetime.combine(first, time.min), zone),
                created_at__lt=timezone.make_aware(datetime.combine(last, time.min), zone))
        .order_by("pk")
    )
    moved = 0
    for case in affected:
        moved += _follow_calendar(case, changes)
    return moved


def _follow_calendar(case: AfterSalesCase, changes: Mapping[date, str | None]) -> int:
    opened, old_last = timezone.localdate(case.created_at), timezone.localdate(case.due_at)
    days = working_days_between(opened, old_last, as_before=changes)
    new_due = _end_of_working_day(opened, days)
    if new_due == case.due_at:
        return 0
    case.due_at = new_due
    fields = ["due_at"]
    if case.overdue_since is not None and new_due > timezone.now():
        case.overdue_since = None
        fields.append("overdue_since")
    case.save(update_fields=fields)
    _event(case, None, "due_changed",
           note=f"放假安排调整：处理时限 {old_last:%Y-%m-%d} → {timezone.localdate(new_due):%Y-%m-%d}（{days} 个工作日）")
    return 1


# --- cancellation after shipping --------------------------------------------------------------

@dataclass(frozen=True)
class CancellationQuote:
    stage: str
    percent: Decimal
    return_freight: Decimal
    goods_value: Decimal
    deduction: Decimal
    credit: Decimal  # no longer owed
    refund: Decimal  # money back now that the customer has paid what they paid
    explanation: str


def cancellation_quote(order: Order) -> CancellationQuote:
    """What a cancellation after 已出库 costs the customer, by the 主管's policy values."""
    # Asked before cancelling (the order is 已出库 or 配送中) or when refunding (the order is
    # 售后中 by then): the stage is whether the parcel had been picked up by the carrier.
    in_transit = order.status == OrderStatus.IN_TRANSIT or (
        order.status == OrderStatus.AFTER_SALES and order.events.filter(action="start_transit").exists()
    )
    stage = "配送中" if in_transit else "已出库"
    percent = policies.get_policy(
        policies.CANCEL_REFUND_PERCENT_IN_TRANSIT if in_transit else policies.CANCEL_REFUND_PERCENT_SHIPPED
    )
    freight = policies.get_policy(policies.RETURN_FREIGHT_FEE)
    value = order.net_total
    stage_cut = to_money(value * (Decimal("100") - percent) / 100)
    deduction = min(stage_cut + freight, value)
    credit = value - deduction
    paid = order.net_paid
    refund = max(paid - deduction, Decimal("0.00")) if paid > 0 else Decimal("0.00")
    explanation = (
        f"{stage}取消：货款 {format_yuan(value)} × 退款比例 {percent.normalize():f}% = {format_yuan(value - stage_cut)}，"
        f"扣除客户承担的退货运费 {format_yuan(freight)}，应退 {format_yuan(credit)}；"
        f"客户已付 {format_yuan(paid)}，实际退款 {format_yuan(refund)}"
        + (f"，尚欠 {format_yuan(deduction - paid)} 需结清" if paid < deduction else "")
    )
    return CancellationQuote(stage, percent, freight, value, deduction, credit, refund, explanation)


@in_platform_language
@transaction.atomic
def order_cancel_after_shipping(*, order: Order, user, reason: str) -> AfterSalesCase:
    """The customer cancels after 已出库: the parcel comes back as a return whose refund
    follows the cancellation policy; the order ends 已关闭 once the return is processed."""
    _check(user, "orders.cancel_order", "取消订单")
    if not (reason or "").strip():
        raise InvalidInput("取消必须填写原因")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status not in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT):
        raise InvalidTransition(f"订单 {locked.number} 当前为“{locked.get_status_display()}”，不是发货后取消")
    quote = cancellation_quote(locked)
    order_services.order_cancel_after_shipping(order=locked, user=user, reason=f"{reason.strip()}。{quote.explanation}")
    now = timezone.now()
    case = AfterSalesCase.objects.create(
        order=locked, case_type=CaseType.CANCELLED_AFTER_SHIPPING, service=Service.RETURN_REFUND,
        description=reason.strip(), source="发货后取消", opened_by=user, created_at=now,
        due_at=due_at(Service.RETURN_REFUND, now), refund_computation=quote.explanation,
    )
    CaseLine.objects.bulk_create([CaseLine(case=case, order_line=line, quantity=line.quantity)
                                  for line in locked.lines.all()])
    _event(case, user, "open", to_status=case.status, note=f"发货后取消：{reason.strip()}；{quote.explanation}")
    publish(AfterSalesCaseOpened(case=case, user=user))
    # The customer's right by policy: no review needed, the parcel is on its way back.
    return _fire(case=case, user=None, action="approve_return", note="发货后取消，按取消规则自动受理")


# --- feedback -------------------------------------------------------------------------------------

FEEDBACK_STATUSES = {OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.AFTER_SALES, OrderStatus.CLOSED}


@in_platform_language
@transaction.atomic
def feedback_submit(*, order: Order, rating: str, comment: str = "") -> Feedback:
    """The customer rates the order once, after delivery, on the tracking page."""
    if order.status not in FEEDBACK_STATUSES:
        raise InvalidInput("订单交付后才能评价")
    if rating not in Feedback.Rating.values:
        raise InvalidInput("请选择评价：满意、一般或需改进")
    try:
        with transaction.atomic():
            # order_id, not order: a refused second rating must not leave an unsaved Feedback
            # cached on the caller's order object.
            feedback = Feedback.objects.create(order_id=order.pk, rating=rating, comment=(comment or "").strip()[:1000])
    except IntegrityError as error:
        raise InvalidInput("该订单已经评价过了，感谢您的反馈") from error
    record_event(order=order, user=None, kind=OrderEvent.Kind.NOTE, action="feedback",
                 reason=f"客户评价：{feedback.get_rating_display()}" + (f"——{feedback.comment}" if feedback.comment else ""))
    return feedback


@transaction.atomic
def feedback_follow_up(*, feedback: Feedback, user, note: str) -> Feedback:
    """The sales owner follows up a 需改进 rating; it leaves their queue."""
    _check(user, "orders.change_order", "跟进客户评价")
    if not (note or "").strip():
        raise InvalidInput("请填写跟进记录")
    locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
    locked.followed_up_by, locked.followed_up_at, locked.follow_up_note = user, timezone.now(), note.strip()
    locked.save(update_fields=["followed_up_by", "followed_up_at", "follow_up_note"])
    record_event(order=locked.order, user=user, kind=OrderEvent.Kind.NOTE, action="feedback_follow_up",
                 reason=f"跟进客户评价：{locked.follow_up_note}")
    return locked
