"""“Why does this order wait?” — for every stage, one sentence naming the exact thing, and
the details below it, each with who can act and a link to where it is handled.

orders' own ``order_waiting_reason`` answers for review and rejection only; the full answer
needs what fulfillment, after-sales and the service desk know, so it is built here (a
panel at the top of the order page) and orders' sentence stays the fallback. Sentences are
in the reader's language; quoted records (check results, reasons) stay as stored.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import ENDED as CASE_ENDED
from fulfillment.models import (
    PICK_LIST_OPEN,
    PRODUCTION_OPEN,
    ExceptionStatus,
    MessageStatus,
    PickListStatus,
    ShipmentException,
)
from inventory.services import order_shortages
from ordermgmt import roles
from orders.models import CheckResult, Order, OrderStatus
from orders.review import OVERRIDABLE
from orders.selectors import order_waiting_reason

from .audience import order_people, permission_holders, stage_handlers
from .selectors import open_complaints_of, open_flag_of


@dataclass(frozen=True)
class Blocker:
    text: str
    who: str = ""  # who can act on it
    link: str = ""
    link_label: str = ""
    permission: str = ""  # what opens the link (the page shows it only to who may follow it)


@dataclass
class Explanation:
    sentence: str
    details: list[Blocker] = field(default_factory=list)
    held: bool = False  # blocked or late: shown as a warning


def _names(users) -> str:
    names = sorted({(u.get_full_name() or "").strip() or u.get_username() for u in users})
    return "、".join(names[:3]) + ("…" if len(names) > 3 else "")


def _who(role: str, users=()) -> str:
    names = _names(users)
    return f"{_(role)}（{names}）" if names else _(role)


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%m-%d %H:%M}" if moment else "—"


def _order_link(order: Order, anchor: str = "") -> str:
    return reverse("orders:detail", args=[order.number]) + anchor


# --- per stage ----------------------------------------------------------------------------

def _pending_review(order: Order) -> Explanation:
    checks = list(order.checks.all())
    sentence = order_waiting_reason(order)
    details = []
    managers = permission_holders("orders.override_review_check")
    reviewers = permission_holders("orders.review_order")
    for check in checks:
        if check.is_blocking:
            releasable = check.name in OVERRIDABLE
            who = (_("%(who)s放行") % {"who": _who(roles.MANAGER, managers)} if releasable
                   else _("%(who)s修改订单") % {"who": _who(_("录入人"), order_people(order))})
            details.append(Blocker(_("%(check)s拦截：%(message)s") % {"check": check.get_name_display(), "message": check.message},
                                   who, _order_link(order, "#review-checks"), _("查看审核结果")))
        elif check.result == CheckResult.WARN and not check.overridden_at:
            details.append(Blocker(_("%(check)s提示：%(message)s") % {"check": check.get_name_display(), "message": check.message},
                                   _("%(who)s人工审核") % {"who": _who(roles.REVIEWER, reviewers)},
                                   _order_link(order, "#review-checks"),
                                   _("查看审核结果")))
    blocked = any(check.is_blocking for check in checks)
    if blocked:
        holder = _who(roles.MANAGER, managers) if order.awaiting_manager else _who(_("录入人"), order_people(order))
        sentence = _("%(reason)s——等待%(who)s处理") % {"reason": sentence, "who": holder}
    elif checks:
        sentence = _("%(reason)s——%(who)s") % {"reason": sentence, "who": _who(roles.REVIEWER, reviewers)}
    return Explanation(sentence, details, held=blocked)


def _rejected(order: Order) -> Explanation:
    people = order_people(order)
    return Explanation(
        _("%(reason)s——由%(who)s修改") % {"reason": order_waiting_reason(order), "who": _names(people) or _("录入人")},
        [Blocker(_("修改订单后重新提交审核"), _who(_("录入人"), people), reverse("orders:edit", args=[order.number]),
                 _("修改订单"), "orders.change_order")],
        held=True,
    )


def _approved(order: Order) -> Explanation:
    if order.is_custom:
        return _production(order, waiting_to_start=True)
    shortages = order_shortages(order=order)
    if not shortages:
        warehouse = permission_holders("orders.allocate_order")
        return Explanation(_("已审核（%(since)s），库存充足，等待%(who)s分配库存") % {
            "since": _when(order.status_changed_at), "who": _who(roles.WAREHOUSE, warehouse)})
    requests = list(order.purchase_requests.filter(state__in=["open", "ordered"]).select_related("product"))
    details = []
    for shortage in shortages:
        details.append(Blocker(
            _("第%(line)s行 %(sku)s %(name)s：需要 %(required)s，可用 %(available)s，缺 %(missing)s") % {
                "line": shortage.line_no, "sku": shortage.sku, "name": shortage.name, "required": shortage.required,
                "available": shortage.available, "missing": shortage.missing},
        ))
    for request in requests:
        expected = (_("预计 %(date)s 到货") % {"date": f"{request.expected_date:%Y-%m-%d}"} if request.expected_date
                    else _("尚无预计到货日期"))
        details.append(Blocker(
            _("采购申请 %(number)s（%(sku)s × %(quantity)s）%(state)s，%(expected)s") % {
                "number": request.number, "sku": request.product.sku, "quantity": request.quantity,
                "state": request.get_state_display(), "expected": expected},
            _who(roles.WAREHOUSE, permission_holders("inventory.change_purchaserequest")),
            reverse("inventory:purchase_requests") + f"?state={request.state}", _("采购申请"),
            "inventory.view_purchaserequest",
        ))
    dates = [r.expected_date for r in requests if r.expected_date]
    sentence = _("已审核，%(count)s 行缺货，等待采购到货后自动分配") % {"count": len(shortages)}
    if dates:
        sentence += _("（最晚预计 %(date)s 到货）") % {"date": f"{max(dates):%Y-%m-%d}"}
    elif not requests:
        sentence += _("（尚未生成采购申请）")
    return Explanation(sentence, details, held=True)


def _production(order: Order, *, waiting_to_start: bool = False) -> Explanation:
    today = timezone.localdate()
    production = list(order.production_orders.filter(status__in=PRODUCTION_OPEN).select_related("owner").order_by("id"))
    schedulers = permission_holders("fulfillment.manage_production")
    if not production:
        return Explanation(_("已审核，等待%(who)s安排生产") % {"who": _who(roles.PRODUCTION, schedulers)},
                           [Blocker(_("尚无生产单"), _who(roles.PRODUCTION, schedulers),
                                    reverse("fulfillment:production_list"), _("生产排程"),
                                    "fulfillment.view_productionorder")])
    details, late = [], []
    for po in production:
        plan = _("计划 %(start)s 开工、%(finish)s 完工") % {
            "start": f"{po.planned_start:%m-%d}" if po.planned_start else "—",
            "finish": f"{po.planned_finish:%Y-%m-%d}" if po.planned_finish else "—"}
        reason = po.late_reason(today)
        if reason:
            late.append(po)
        details.append(Blocker(
            _("生产单 %(number)s %(product)s × %(quantity)s：%(status)s，%(plan)s") % {
                "number": po.number, "product": po.product.name, "quantity": po.quantity,
                "status": po.get_status_display(), "plan": plan} + (f"（{reason}）" if reason else ""),
            _names([po.owner]) if po.owner else _who(roles.PRODUCTION, schedulers),
            reverse("fulfillment:production_detail", args=[po.pk]), _("生产单"), "fulfillment.view_productionorder",
        ))
    finish = max((po.planned_finish for po in production if po.planned_finish), default=None)
    if late:
        sentence = _("生产落后于计划：%(number)s %(reason)s") % {"number": late[0].number, "reason": late[0].late_reason(today)}
    elif waiting_to_start:
        sentence = _("已审核，%(count)s 张生产单待开工") % {"count": len(production)}
    else:
        sentence = _("生产中：%(count)s 张生产单未完成") % {"count": len(production)}
    if finish and not late:
        sentence += _("，计划 %(date)s 完工") % {"date": f"{finish:%Y-%m-%d}"}
    return Explanation(sentence, details, held=bool(late))


def _allocated(order: Order) -> Explanation:
    warehouse = permission_holders("fulfillment.manage_picking")
    pick_lists = list(order.pick_lists.filter(status__in=PICK_LIST_OPEN).order_by("created_at"))
    if not pick_lists:
        return Explanation(
            _("库存已锁定（%(since)s），等待%(who)s生成拣货单") % {
                "since": _when(order.status_changed_at), "who": _who(roles.WAREHOUSE, warehouse)},
            [Blocker(_("尚未生成拣货单"), _who(roles.WAREHOUSE, warehouse), reverse("fulfillment:pick_queue"), _("拣货"),
                     "fulfillment.view_picklist")])
    details = []
    for pick_list in pick_lists:
        since = {PickListStatus.OPEN: pick_list.created_at, PickListStatus.PICKED: pick_list.picked_at,
                 PickListStatus.PACKED: pick_list.packed_at}[pick_list.status]
        waiting = {PickListStatus.OPEN: _("待拣货"), PickListStatus.PICKED: _("已拣货待打包"),
                   PickListStatus.PACKED: _("已打包待出库")}[pick_list.status]
        details.append(Blocker(_("拣货单 %(number)s %(waiting)s，自 %(since)s") % {
            "number": pick_list.number, "waiting": waiting, "since": _when(since)},
            _who(roles.WAREHOUSE, warehouse), reverse("fulfillment:pick_list_detail", args=[pick_list.pk]), _("拣货单"),
            "fulfillment.view_picklist"))
    return Explanation(_("等待仓库出库：%(first)s") % {"first": details[0].text}, details)


def _shipped(order: Order) -> Explanation:
    logistics = permission_holders("fulfillment.manage_shipments")
    shipments = list(order.shipments.active().select_related("carrier").order_by("shipped_at"))
    details = []
    for shipment in shipments:
        if shipment.last_event_at:
            text = _("%(carrier)s %(number)s：最新物流信息 %(when)s") % {
                "carrier": shipment.carrier.name, "number": shipment.tracking_number, "when": _when(shipment.last_event_at)}
        else:
            text = _("%(carrier)s %(number)s：出库于 %(when)s，承运商尚无物流信息") % {
                "carrier": shipment.carrier.name, "number": shipment.tracking_number, "when": _when(shipment.shipped_at)}
        details.append(Blocker(text, _who(roles.LOGISTICS, logistics),
                               reverse("fulfillment:shipment_detail", args=[shipment.pk]), _("运单"),
                               "fulfillment.view_shipment"))
    if not details:
        return Explanation(_("已出库，等待承运商揽收"))
    silent = [d for s, d in zip(shipments, details) if not s.last_event_at]
    if silent:
        return Explanation(_("已出库，等待承运商揽收——%(first)s") % {"first": silent[0].text}, details)
    # Picked up (or reported otherwise): the first movement puts the order 配送中.
    return Explanation(_("已出库，承运商已揽收，等待运输——%(first)s") % {"first": details[0].text}, details)


def _in_transit(order: Order) -> Explanation:
    shipments = list(order.shipments.active().select_related("carrier").order_by("shipped_at"))
    expected = max((s.expected_delivery_date for s in shipments), default=None)
    details = [
        Blocker(_("%(carrier)s %(number)s：%(status)s，预计 %(date)s 送达，最新物流 %(when)s") % {
            "carrier": s.carrier.name, "number": s.tracking_number, "status": s.get_status_display(),
            "date": f"{s.expected_delivery_date:%Y-%m-%d}", "when": _when(s.last_event_at or s.shipped_at)},
            "", reverse("fulfillment:shipment_detail", args=[s.pk]), _("运单"), "fulfillment.view_shipment")
        for s in shipments
    ]
    if expected is None:
        return Explanation(_("配送中，等待客户签收"), details)
    late = expected < timezone.localdate()
    sentence = (_("配送中，已超过预计送达日期 %(date)s，等待签收") if late else _("配送中，预计 %(date)s 送达，等待客户签收")) % {
        "date": f"{expected:%Y-%m-%d}"}
    return Explanation(sentence, details, held=late)


def _delivered(order: Order) -> Explanation:
    service = permission_holders("orders.complete_order")
    return Explanation(
        _("已交付（%(when)s），等待%(who)s确认完成") % {"when": _when(order.status_changed_at), "who": _who(roles.SERVICE, service)},
        [Blocker(_("与客户确认收货无误后点击“确认完成”"), _who(roles.SERVICE, service), _order_link(order), _("订单操作"))])


def _after_sales(order: Order) -> Explanation:
    cases = list(order.after_sales_cases.exclude(status__in=CASE_ENDED).order_by("created_at"))
    handlers = permission_holders("aftersales.handle_case")
    details = [
        Blocker(_("售后工单 %(number)s（%(service)s）%(status)s，处理时限 %(due)s") % {
            "number": case.number, "service": case.get_service_display(), "status": case.get_status_display(),
            "due": _when(case.due_at)} + (_("，已超时") if case.is_overdue else ""),
            _who(roles.AFTER_SALES, handlers), reverse("aftersales:case", args=[case.pk]), _("售后工单"),
            "aftersales.view_aftersalescase")
        for case in cases
    ]
    if not details:
        return Explanation(_("售后处理中，等待售后专员处理完毕"))
    overdue = any(case.is_overdue for case in cases)
    return Explanation(_("售后处理中：%(first)s") % {"first": details[0].text}, details, held=overdue)


STAGES = {
    OrderStatus.PENDING_REVIEW: _pending_review,
    OrderStatus.REJECTED: _rejected,
    OrderStatus.APPROVED: _approved,
    OrderStatus.IN_PRODUCTION: _production,
    OrderStatus.ALLOCATED: _allocated,
    OrderStatus.SHIPPED: _shipped,
    OrderStatus.IN_TRANSIT: _in_transit,
    OrderStatus.DELIVERED: _delivered,
    OrderStatus.AFTER_SALES: _after_sales,
}


# --- what holds an order at any stage -------------------------------------------------------

def _open_exceptions(order: Order) -> list[Blocker]:
    logistics = permission_holders("fulfillment.manage_shipments")
    flags = ShipmentException.objects.filter(shipment__order=order, status=ExceptionStatus.OPEN).select_related(
        "shipment__carrier")
    return [Blocker(_("物流异常（%(kind)s）：%(reason)s，发现于 %(when)s") % {
        "kind": flag.get_kind_display(), "reason": flag.reason, "when": _when(flag.detected_at)},
        _who(roles.LOGISTICS, logistics), reverse("fulfillment:exceptions") + f"?q={order.number}", _("物流异常"),
        "fulfillment.view_shipment")
        for flag in flags]


def _failed_notices(order: Order) -> list[Blocker]:
    resenders = permission_holders("fulfillment.resend_notification")
    return [Blocker(_("客户通知“%(key)s”（%(channel)s）发送失败：%(error)s") % {
        "key": message.get_key_display(), "channel": message.get_channel_display(), "error": message.last_error[:80]},
        _who(roles.SERVICE, resenders), reverse("fulfillment:outbox") + f"?status=failed&q={order.number}", _("通知发件箱"),
        "fulfillment.view_notificationmessage")
        for message in order.notifications.filter(status=MessageStatus.FAILED)]


def _complaints(order: Order) -> list[Blocker]:
    return [Blocker(_("投诉 %(number)s %(status)s（%(category)s）") % {
        "number": complaint.number, "status": complaint.get_status_display(), "category": complaint.category.name},
        _names([complaint.assignee]) if complaint.assignee else _(roles.SERVICE),
        reverse("servicedesk:complaint", args=[complaint.number]), _("投诉"),
        "servicedesk.view_complaint")
        for complaint in open_complaints_of(order)]


def _stage_flag(order: Order) -> list[Blocker]:
    flag = open_flag_of(order)
    if flag is None or flag.stage != order.status:
        return []
    return [Blocker(_("超时：%(detail)s") % {"detail": flag.detail}, _names(stage_handlers(order)),
                    reverse("servicedesk:monitoring") + f"?stage={flag.stage}", _("订单监控"),
                    "servicedesk.view_stageflag")]


def order_wait_explanation(order: Order) -> Explanation | None:
    """Why ``order`` waits and for whom (since it entered its stage: ``status_changed_at``); None
    when it waits for nobody (completed, cancelled, closed, with nothing open about it)."""
    flag, exceptions = _stage_flag(order), _open_exceptions(order)
    extras = flag + exceptions + _failed_notices(order) + _complaints(order)
    stage = STAGES.get(order.status)
    if stage is None:
        if not extras:
            return None
        return Explanation(_("订单%(status)s；%(first)s") % {"status": order.get_status_display(), "first": extras[0].text},
                           extras)
    explanation = stage(order)
    explanation.details.extend(extras)
    explanation.held = explanation.held or bool(flag or exceptions)
    return explanation
