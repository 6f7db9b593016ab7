"""Logistics exceptions: detecting late and silent shipments, and resolving a flag (补发 or 赔偿)."""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.services import stock_allocate_quantities
from ordermgmt.domain_events import publish
from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.money import parse_money
from orders.events import record_event
from orders.models import OrderEvent, OrderStatus

from ..domain_events import ShipmentCompensated
from ..models import (
    ExceptionKind,
    ExceptionNote,
    ExceptionStatus,
    PickList,
    Resolution,
    Shipment,
    ShipmentException,
    ShipmentStatus,
    loss_cutoff,
)
from .common import (
    add_pick_lines,
    check_permission,
    lock_order,
    next_pick_list_number,
    open_exception,
    resolve_exception,
)


@in_platform_language
def shipment_exceptions_detect(*, now: datetime | None = None) -> list[ShipmentException]:
    """Flag shipments past their expected date (延误, once per shipment) and shipments with
    no logistics news for ``FULFILLMENT_LOSS_AFTER_DAYS`` days (疑似丢件). Safe to run as
    often as wanted: a shipment never carries two open flags of one kind."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cutoff = loss_cutoff(now)

    def delay_reason(locked: Shipment) -> str | None:
        if locked.exceptions.filter(kind=ExceptionKind.DELAYED).exists():
            return None
        days = (today - locked.expected_delivery_date).days
        return (f"预计 {locked.expected_delivery_date:%Y-%m-%d} 送达，已超期 {days} 天，"
                f"当前状态：{locked.get_status_display()}")

    def silence_reason(locked: Shipment) -> str | None:
        if locked.last_activity_at >= cutoff:
            return None
        last = locked.events.order_by("-occurred_at", "-id").first()
        where = f"，最后状态：{last.get_kind_display()} {last.place}".rstrip() if last else "，发货后没有任何物流信息"
        days = (now - locked.last_activity_at).days
        return f"已 {days} 天没有物流更新（最后更新 {timezone.localtime(locked.last_activity_at):%Y-%m-%d %H:%M}{where}）"

    late = (
        Shipment.objects.active()
        .filter(expected_delivery_date__lt=today)
        .exclude(exceptions__kind=ExceptionKind.DELAYED)
        .order_by("pk")
    )
    flags = [_flag(shipment, ExceptionKind.DELAYED, delay_reason, now) for shipment in late]
    silent = (
        Shipment.objects.active()
        .annotate(last_activity=Coalesce("last_event_at", "shipped_at"))
        .filter(last_activity__lt=cutoff)
        .exclude(
            pk__in=ShipmentException.objects.filter(
                kind=ExceptionKind.SUSPECTED_LOSS, status=ExceptionStatus.OPEN
            ).values("shipment_id")
        )
        .order_by("pk")
    )
    flags += [_flag(shipment, ExceptionKind.SUSPECTED_LOSS, silence_reason, now) for shipment in silent]
    return [flag for flag in flags if flag]


@transaction.atomic
def _flag(shipment: Shipment, kind: str, reason_for, now: datetime) -> ShipmentException | None:
    """Re-check a candidate under its row lock (another run or a new event may have come in
    since it was selected) and open the flag if it still applies."""
    locked = Shipment.objects.select_for_update(of=("self",)).select_related("carrier", "order").get(pk=shipment.pk)
    reason = reason_for(locked) if locked.is_active else None
    return open_exception(locked, kind, reason, at=now) if reason else None


def _replacement_pick_list(shipment: Shipment, user) -> PickList:
    """Reserve the lost shipment's goods again (FIFO) on a new pick list for the warehouse."""
    quantities = defaultdict(int)
    for line in shipment.pick_list.lines.select_related("order_line", "order_line__product"):
        quantities[line.order_line] += line.quantity
    allocations = stock_allocate_quantities(quantities=dict(quantities))
    pick_list = PickList.objects.create(
        number=next_pick_list_number(shipment.order), order=shipment.order, replaces_shipment=shipment,
        created_by=user, note=f"补发：原运单 {shipment}",
    )
    add_pick_lines(pick_list, [(a, a.quantity) for a in allocations])
    return pick_list


@in_platform_language
@transaction.atomic
def shipment_exception_resolve(
    *, exception: ShipmentException, user, resolution: str, compensation_amount=None, note: str = ""
) -> ShipmentException:
    """补发 (the goods are reserved again and a replacement pick list goes to the warehouse;
    the lost shipment is closed) or 赔偿 (the amount is recorded). The customer is told."""
    check_permission(user, "fulfillment.manage_shipments", "处理物流异常")
    flag = ShipmentException.objects.select_for_update().get(pk=exception.pk)
    if not flag.is_open:
        raise InvalidTransition("该物流异常已经处理过了")
    shipment = Shipment.objects.select_for_update(of=("self",)).select_related("carrier", "order").get(pk=flag.shipment_id)
    note = (note or "").strip()
    if resolution == Resolution.RESHIP:
        if shipment.status == ShipmentStatus.DELIVERED:
            raise InvalidTransition(f"运单 {shipment} 已签收，不能补发；如有问题请走售后")
        if shipment.pick_list_id is None:
            raise InvalidTransition(f"运单 {shipment} 没有拣货明细，无法补发")
        order = lock_order(shipment.order)
        if order.status not in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT):
            raise InvalidTransition(
                f"订单 {order.number} 当前状态为“{order.get_status_display()}”：订单全部出库后才能补发，或选择赔偿"
            )
        pick_list = _replacement_pick_list(shipment, user)
        shipment.status = ShipmentStatus.REPLACED
        shipment.save(update_fields=["status"])
        for other in ShipmentException.objects.select_for_update().filter(shipment=shipment, status=ExceptionStatus.OPEN):
            resolve_exception(other, user=user, resolution=Resolution.RESHIP, note=note, pick_list=pick_list)
        outcome = "为您补发，新的物流单号将在发货后通知您"
        text = f"补发：已生成补发拣货单 {pick_list.number}，待仓库出库"
    elif resolution == Resolution.COMPENSATION:
        if compensation_amount in (None, ""):
            raise InvalidInput("请填写赔偿金额")
        column = ShipmentException._meta.get_field("compensation_amount")
        amount = parse_money(compensation_amount, label="赔偿金额", max_digits=column.max_digits)
        resolve_exception(flag, user=user, resolution=Resolution.COMPENSATION, note=note, amount=amount)
        if flag.kind == ExceptionKind.SUSPECTED_LOSS:
            shipment.status = ShipmentStatus.LOST
            shipment.save(update_fields=["status"])
        outcome = f"赔偿 ¥{amount:,.2f}"
        text = outcome
        flag.refresh_from_db()
        publish(ShipmentCompensated(exception=flag, user=user))
    else:
        raise InvalidInput("请选择处理方式：补发或赔偿")
    record_event(
        order=shipment.order, user=user, kind=OrderEvent.Kind.NOTE, action=ExceptionNote.RESOLVED,
        reason=f"物流{flag.get_kind_display()}处理：{shipment}，{text}" + (f"。{note}" if note else ""),
        data={"exception_id": flag.pk, "shipment_id": shipment.pk, "resolution": resolution, "outcome": outcome},
    )
    flag.refresh_from_db()
    return flag
