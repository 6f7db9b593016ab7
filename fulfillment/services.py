"""Every write of the fulfillment app goes through a function here.

Each runs in one transaction and locks the rows it changes. The order moves only through
``orders.services`` (start/finish production, ship, start transit, deliver); what is not a
state change but matters to the order's history (a partial shipment, a logistics
exception and its resolution, an abnormal receipt) is a note on the order's timeline.
``user=None`` is the system (beat tasks, carrier pushes and polls).
"""

import hashlib
import hmac
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_fsm import can_proceed

from aftersales.services import after_sales_case_open
from inventory.models import StockAllocation, Warehouse
from inventory.services import (
    stock_allocate_from_batch,
    stock_allocate_quantities,
    stock_consume_allocations,
    stock_receive,
    stock_release_allocations,
    stock_split_allocations,
)
from ordermgmt.errors import ActionForbidden, BusinessError, InsufficientStock, InvalidInput, InvalidTransition
from ordermgmt.money import to_money
from ordermgmt.uploads import CheckedImage, decode_data_url, read_upload
from orders import services as order_services
from orders.events import record_event
from orders.models import Order, OrderEvent, OrderStatus

from .carriers.base import CarrierEvent, get_poller
from .models import (
    PICK_LIST_OPEN,
    Carrier,
    Channel,
    DeliveryProof,
    EventKind,
    EventSource,
    ExceptionKind,
    ExceptionStatus,
    MessageStatus,
    NotificationMessage,
    NotificationTemplate,
    PickList,
    PickListLine,
    ProductionOrder,
    ProofFile,
    ReceiptCondition,
    Resolution,
    Shipment,
    ShipmentEvent,
    ShipmentException,
    ShipmentStatus,
    loss_cutoff,
)
from .notifications.render import fill, notice_values, unknown_placeholders
from .notifications.sms import get_sms_backend

logger = logging.getLogger(__name__)


def _require(user, permission: str, what: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise ActionForbidden(f"您的角色没有权限{what}")


def _lock_order(order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _covered_by_line(order) -> dict[int, int]:
    """Quantity per line already reserved or shipped."""
    rows = (
        StockAllocation.objects.filter(
            order_line__order=order, state__in=[StockAllocation.State.ACTIVE, StockAllocation.State.CONSUMED]
        )
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["order_line_id"]: row["total"] for row in rows}


# =========================================================================================
# Production (定制)
# =========================================================================================

def _next_production_number(order: Order) -> str:
    return f"SC{order.number}-{ProductionOrder.objects.filter(order=order).count() + 1}"


@transaction.atomic
def production_order_raise(*, order: Order, user) -> list[ProductionOrder]:
    """Create the production orders an approved order needs (idempotent).

    One per 定制 line, for the quantity neither reserved from stock nor already in an open
    production order. Called when a 定制 order is approved (by a reviewer or the automatic
    review), so it checks no role: it is a consequence of the approval. Returns the orders
    created now (none when everything is covered already).
    """
    locked = _lock_order(order)
    if locked.status not in (OrderStatus.APPROVED, OrderStatus.ALLOCATED, OrderStatus.IN_PRODUCTION):
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，不能安排生产"
        )
    covered = _covered_by_line(locked)
    planned = defaultdict(int)
    for row in (
        ProductionOrder.objects.filter(order=locked).open().values("order_line_id").annotate(total=Sum("quantity"))
    ):
        planned[row["order_line_id"]] = row["total"]
    today = timezone.localdate()
    created = []
    for line in locked.lines.select_related("product").order_by("line_no"):
        if not line.product.is_custom:
            continue
        missing = line.quantity - covered.get(line.pk, 0) - planned[line.pk]
        if missing <= 0:
            continue
        created.append(
            ProductionOrder.objects.create(
                number=_next_production_number(locked),
                order=locked,
                order_line=line,
                product=line.product,
                quantity=missing,
                planned_start=today,
                planned_finish=today + timedelta(days=settings.PRODUCTION_DEFAULT_LEAD_DAYS),
                created_by=user,
            )
        )
    if created:
        record_event(
            order=locked,
            user=user,
            kind=OrderEvent.Kind.NOTE,
            action="production_raised",
            reason="生成生产单：" + "；".join(f"{p.number} {p.order_line.product_name} × {p.quantity}" for p in created),
            data={"production_orders": [p.number for p in created]},
        )
    return created


def _lock_production(production_order: ProductionOrder) -> ProductionOrder:
    return (
        ProductionOrder.objects.select_for_update(of=("self",))
        .select_related("order_line", "product")
        .get(pk=production_order.pk)
    )


def _check_production_step(locked: ProductionOrder, method, label: str) -> None:
    if not can_proceed(method):
        raise InvalidTransition(f"生产单 {locked.number} 当前状态为“{locked.get_status_display()}”，不能{label}")


@transaction.atomic
def production_order_plan(
    *, production_order: ProductionOrder, user, owner, planned_start: date | None, planned_finish: date | None
) -> ProductionOrder:
    """Set the team leader (生产组长) and the planned dates."""
    _require(user, "fulfillment.manage_production", "安排生产计划")
    locked = _lock_production(production_order)
    if not locked.is_open:
        raise InvalidTransition(f"生产单 {locked.number} 已{locked.get_status_display()}，不能修改计划")
    if planned_start and planned_finish and planned_finish < planned_start:
        raise InvalidInput("计划完工日期不能早于计划开工日期")
    locked.owner = owner
    locked.planned_start = planned_start
    locked.planned_finish = planned_finish
    locked.save(update_fields=["owner", "planned_start", "planned_finish"])
    return locked


@transaction.atomic
def production_order_start(*, production_order: ProductionOrder, user) -> ProductionOrder:
    """生产中. The first production order of an order to start moves the order to 生产中."""
    _require(user, "fulfillment.manage_production", "开工")
    locked = _lock_production(production_order)
    _check_production_step(locked, locked.start, "开工")
    order = _lock_order(locked.order)
    if order.status in (OrderStatus.APPROVED, OrderStatus.ALLOCATED):
        order_services.order_start_production(order=order, user=user, reason=f"生产单 {locked.number} 开工")
    elif order.status != OrderStatus.IN_PRODUCTION:
        raise InvalidTransition(
            f"订单 {order.number} 当前状态为“{order.get_status_display()}”，生产单不能开工"
        )
    locked.start()
    locked.started_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def production_order_pass_qc(*, production_order: ProductionOrder, user, note: str = "") -> ProductionOrder:
    """质检合格."""
    _require(user, "fulfillment.manage_production", "登记质检")
    locked = _lock_production(production_order)
    _check_production_step(locked, locked.pass_qc, "登记质检合格")
    locked.pass_qc()
    locked.qc_passed_at = timezone.now()
    locked.qc_note = (note or "").strip()
    locked.save()
    return locked


@dataclass
class StockingResult:
    production_order: ProductionOrder
    order_finished: bool
    warning: str = ""


@transaction.atomic
def production_order_stock(*, production_order: ProductionOrder, user, warehouse: Warehouse) -> StockingResult:
    """入库: the goods become a new batch reserved for the order's line.

    When it was the order's last open production order the order leaves 生产中 (the order
    service reserves whatever else the order needs, FIFO). If other lines lack stock, the
    receipt stands and the order waits in 生产中 for them; the warning says why.
    """
    _require(user, "fulfillment.manage_production", "入库")
    locked = _lock_production(production_order)
    _check_production_step(locked, locked.stock, "入库（须先质检合格）")
    order = _lock_order(locked.order)
    if order.status not in (OrderStatus.APPROVED, OrderStatus.ALLOCATED, OrderStatus.IN_PRODUCTION):
        raise InvalidTransition(
            f"订单 {order.number} 当前状态为“{order.get_status_display()}”，成品不能再入库给它；请取消该生产单"
        )
    if warehouse is None or not warehouse.is_active:
        raise InvalidInput("请选择启用中的入库仓库")
    batch = stock_receive(
        product=locked.product,
        warehouse=warehouse,
        quantity=locked.quantity,
        user=user,
        reason=f"生产单 {locked.number} 完工入库（订单 {order.number}）",
        notify=False,  # the batch is for this order, not for orders waiting for stock
    )
    line = locked.order_line
    outstanding = line.quantity - _covered_by_line(order).get(line.pk, 0)
    reserved = min(outstanding, locked.quantity)
    if reserved > 0:
        stock_allocate_from_batch(order_line=line, batch=batch, quantity=reserved)
    locked.stock()
    locked.warehouse = warehouse
    locked.batch = batch
    locked.stocked_at = timezone.now()
    locked.save()

    summary = f"生产单 {locked.number} 入库 {locked.quantity} {line.unit}，批次 {batch.batch_no}"
    others_open = ProductionOrder.objects.filter(order=order).open().exclude(pk=locked.pk).exists()
    if order.status == OrderStatus.IN_PRODUCTION and not others_open:
        try:
            with transaction.atomic():
                order_services.order_finish_production(order=order, user=user, reason=summary)
        except InsufficientStock as error:
            warning = f"成品已入库，但订单其他商品库存不足，订单仍在生产中：{error}"
            record_event(order=order, user=user, kind=OrderEvent.Kind.NOTE, action="production_stocked",
                         reason=f"{summary}。{warning}")
            return StockingResult(locked, False, warning)
        return StockingResult(locked, True)
    record_event(order=order, user=user, kind=OrderEvent.Kind.NOTE, action="production_stocked", reason=summary)
    return StockingResult(locked, False)


@transaction.atomic
def production_order_cancel(*, production_order: ProductionOrder, user, reason: str) -> ProductionOrder:
    _require(user, "fulfillment.manage_production", "取消生产单")
    if not (reason or "").strip():
        raise InvalidInput("请填写取消原因")
    locked = _lock_production(production_order)
    _check_production_step(locked, locked.cancel, "取消")
    locked.cancel()
    locked.cancel_reason = reason.strip()
    locked.save()
    record_event(
        order=locked.order, user=user, kind=OrderEvent.Kind.NOTE, action="production_cancelled",
        reason=f"生产单 {locked.number} 已取消：{locked.cancel_reason}",
    )
    return locked


@transaction.atomic
def fulfillment_withdraw(*, order: Order, user) -> None:
    """An approved order is being edited and goes back to review: what was planned for it
    (production orders not started, pick lists not shipped) is cancelled; approval raises
    new ones. Once anything has shipped, the order can no longer be changed this way."""
    shipments = list(Shipment.objects.filter(order=order).select_related("carrier"))
    if shipments:
        raise InvalidTransition(
            f"订单 {order.number} 已有商品出库（{shipments[0]}），不能再修改商品、客户或地址；请走售后或取消流程"
        )
    reason = "订单修改后需重新审核"
    withdrawn = []
    for production in ProductionOrder.objects.select_for_update().filter(order=order).open():
        if production.status != "planned":
            raise InvalidTransition(f"生产单 {production.number} 已开工，订单不能再修改")
        production.cancel()
        production.cancel_reason = reason
        production.save()
        withdrawn.append(f"生产单 {production.number}")
    for pick_list in PickList.objects.select_for_update().filter(order=order, status__in=PICK_LIST_OPEN):
        pick_list.cancel()
        pick_list.cancel_reason = reason
        pick_list.save()
        withdrawn.append(f"拣货单 {pick_list.number}")
    if withdrawn:
        record_event(
            order=order, user=user, kind=OrderEvent.Kind.NOTE, action="fulfillment_withdrawn",
            reason=f"{reason}，已作废：" + "、".join(withdrawn),
        )


# =========================================================================================
# Warehouse: pick → pack → ship
# =========================================================================================

def pickable_allocations(order: Order) -> list[StockAllocation]:
    """Reserved goods of the order not yet on an open or shipped pick list."""
    taken = PickListLine.objects.filter(pick_list__order=order).exclude(pick_list__status="cancelled")
    return list(
        StockAllocation.objects.filter(order_line__order=order, state=StockAllocation.State.ACTIVE)
        .exclude(pk__in=taken.values("allocation_id"))
        .select_related("order_line", "batch", "batch__warehouse")
        .order_by("order_line__line_no", "batch__received_at", "pk")
    )


def _next_pick_list_number(order: Order) -> str:
    return f"JH{order.number}-{PickList.objects.filter(order=order).count() + 1}"


def _add_pick_lines(pick_list: PickList, chosen: Sequence[tuple[StockAllocation, int]]) -> None:
    parts = stock_split_allocations(quantities={allocation.pk: quantity for allocation, quantity in chosen})
    PickListLine.objects.bulk_create([
        PickListLine(pick_list=pick_list, order_line_id=part.order_line_id, allocation=part, batch_id=part.batch_id,
                     quantity=part.quantity)
        for part in parts
    ])


@transaction.atomic
def pick_list_create(*, order: Order, user, quantities: dict[int, int] | None = None, note: str = "") -> PickList:
    """A pick list for (part of) what is reserved for the order.

    ``quantities`` maps allocation id → quantity to pick now; ``None`` picks everything
    still to pick. Taking part of a batch leaves the rest reserved for a later shipment.
    """
    _require(user, "fulfillment.manage_picking", "生成拣货单")
    locked = _lock_order(order)
    if locked.status != OrderStatus.ALLOCATED:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已分配库存的订单可以拣货出库"
        )
    available = {a.pk: a for a in pickable_allocations(locked)}
    if not available:
        raise InvalidInput(f"订单 {locked.number} 没有待拣货的商品（已全部生成拣货单或已出库）")
    if quantities is None:
        chosen = [(a, a.quantity) for a in available.values()]
    else:
        chosen, problems = [], []
        for allocation_id, quantity in quantities.items():
            allocation = available.get(allocation_id)
            if allocation is None:
                problems.append("所选批次已被其他拣货单占用或已出库，请刷新页面")
                continue
            if quantity is None or quantity == 0:
                continue
            if quantity < 0 or quantity > allocation.quantity:
                problems.append(
                    f"第{allocation.order_line.line_no}行 批次 {allocation.batch.batch_no}：拣货数量须在 0 到 {allocation.quantity} 之间"
                )
                continue
            chosen.append((allocation, quantity))
        if problems:
            raise InvalidInput("；".join(dict.fromkeys(problems)))
    if not chosen:
        raise InvalidInput("请至少拣选一件商品")
    pick_list = PickList.objects.create(
        number=_next_pick_list_number(locked), order=locked, created_by=user, note=(note or "").strip()[:200]
    )
    _add_pick_lines(pick_list, chosen)
    return pick_list


def _lock_pick_list(pick_list: PickList) -> PickList:
    return PickList.objects.select_for_update().get(pk=pick_list.pk)


def _check_pick_step(locked: PickList, method, label: str) -> None:
    if not can_proceed(method):
        raise InvalidTransition(f"拣货单 {locked.number} 当前状态为“{locked.get_status_display()}”，不能{label}")


@transaction.atomic
def pick_list_mark_picked(*, pick_list: PickList, user) -> PickList:
    _require(user, "fulfillment.manage_picking", "确认拣货")
    locked = _lock_pick_list(pick_list)
    _check_pick_step(locked, locked.mark_picked, "确认拣货完成")
    locked.mark_picked()
    locked.picked_by, locked.picked_at = user, timezone.now()
    locked.save()
    return locked


@transaction.atomic
def pick_list_mark_packed(*, pick_list: PickList, user, package_count: int = 1) -> PickList:
    _require(user, "fulfillment.manage_picking", "确认打包")
    if not isinstance(package_count, int) or package_count < 1:
        raise InvalidInput("包裹数必须是正整数")
    locked = _lock_pick_list(pick_list)
    _check_pick_step(locked, locked.mark_packed, "确认打包完成（须先拣货完成）")
    locked.mark_packed()
    locked.packed_by, locked.packed_at = user, timezone.now()
    locked.package_count = package_count
    locked.save()
    return locked


_TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$")


def clean_tracking_number(raw: str) -> str:
    value = re.sub(r"\s+", "", raw or "").upper()
    if not _TRACKING_NUMBER.match(value):
        raise InvalidInput("物流单号须为 4–40 位字母、数字或“-”")
    return value


@transaction.atomic
def pick_list_ship(
    *,
    pick_list: PickList,
    user,
    carrier: Carrier,
    tracking_number: str,
    expected_delivery_date: date | None = None,
) -> Shipment:
    """出库: the packed goods leave with a carrier and a tracking number.

    Stock on hand goes down by the picked quantities. The order becomes 已出库 when this
    shipment completes it (else it is a partial shipment on its timeline). A re-shipment of
    lost goods leaves the order's state alone.
    """
    _require(user, "fulfillment.manage_picking", "出库")
    locked = _lock_pick_list(pick_list)
    _check_pick_step(locked, locked.ship, "出库（须先打包完成）")
    if carrier is None or not carrier.is_active:
        raise InvalidInput("请选择启用中的承运商")
    tracking_number = clean_tracking_number(tracking_number)
    existing = Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).select_related("order").first()
    if existing is not None:
        raise InvalidInput(f"{carrier.name} 物流单号 {tracking_number} 已用于订单 {existing.order.number}")
    order = _lock_order(locked.order)
    shipped_at = timezone.now()
    today = timezone.localdate(shipped_at)
    expected = expected_delivery_date or today + timedelta(days=carrier.transit_days_to(order.ship_province))
    if expected < today:
        raise InvalidInput("预计送达日期不能早于今天")
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                order=order, pick_list=locked, carrier=carrier, tracking_number=tracking_number,
                shipped_at=shipped_at, expected_delivery_date=expected, created_by=user,
                replaces=locked.replaces_shipment,
            )
    except IntegrityError as error:
        raise InvalidInput(f"{carrier.name} 物流单号 {tracking_number} 已被使用") from error
    allocations = [line.allocation for line in locked.lines.select_related("allocation")]
    data = {
        "shipment_id": shipment.pk, "pick_list": locked.number,
        "carrier": carrier.name, "tracking_number": tracking_number, "expected": f"{expected:%Y-%m-%d}",
    }
    if locked.replaces_shipment_id is None:
        order_services.order_ship(
            order=order, user=user, allocations=allocations, data=data, reason=f"{carrier.name} {tracking_number}"
        )
    else:
        quantity = stock_consume_allocations(allocations=allocations, order_number=order.number, user=user)
        record_event(
            order=order, user=user, kind=OrderEvent.Kind.NOTE, action="reship_shipped",
            reason=f"补发出库 {quantity} 件：{carrier.name} {tracking_number}（原运单 {locked.replaces_shipment}）",
            data={**data, "quantity": quantity},
        )
    locked.ship()
    locked.shipped_at = shipped_at
    locked.save()
    return shipment


@transaction.atomic
def pick_list_cancel(*, pick_list: PickList, user, reason: str) -> PickList:
    """作废 a pick list not yet shipped. Its goods stay reserved for the order, except for a
    re-shipment: then they are released and the original shipment is watched again."""
    _require(user, "fulfillment.manage_picking", "作废拣货单")
    if not (reason or "").strip():
        raise InvalidInput("请填写作废原因")
    locked = _lock_pick_list(pick_list)
    _check_pick_step(locked, locked.cancel, "作废")
    locked.cancel()
    locked.cancel_reason = reason.strip()
    locked.save()
    if locked.replaces_shipment_id:
        stock_release_allocations(allocations=[line.allocation for line in locked.lines.select_related("allocation")])
        original = Shipment.objects.select_for_update().get(pk=locked.replaces_shipment_id)
        original.status = _status_from_events(original)
        original.save(update_fields=["status"])
        record_event(
            order=locked.order, user=user, kind=OrderEvent.Kind.NOTE, action="reship_cancelled",
            reason=f"补发拣货单 {locked.number} 已作废：{locked.cancel_reason}；原运单 {original} 恢复跟踪",
        )
    return locked


# =========================================================================================
# Logistics: carriers, events, delivery
# =========================================================================================

def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def carrier_issue_token(*, carrier: Carrier) -> str:
    """A new push token for the carrier; only its digest is stored, so show it once."""
    token = secrets.token_urlsafe(32)
    Carrier.objects.filter(pk=carrier.pk).update(api_token_hash=_token_digest(token))
    carrier.api_token_hash = _token_digest(token)
    return token


def carrier_token_matches(carrier: Carrier, token: str) -> bool:
    if not carrier.api_token_hash or not token:
        return False
    return hmac.compare_digest(carrier.api_token_hash, _token_digest(token))


_KIND_TO_STATUS = {
    EventKind.PICKED_UP: ShipmentStatus.PICKED_UP,
    EventKind.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    EventKind.OUT_FOR_DELIVERY: ShipmentStatus.OUT_FOR_DELIVERY,
    EventKind.DELIVERED: ShipmentStatus.DELIVERED,
    EventKind.EXCEPTION: ShipmentStatus.EXCEPTION,
}
_MOVING_KINDS = {EventKind.IN_TRANSIT, EventKind.OUT_FOR_DELIVERY, EventKind.DELIVERED}


def _status_from_events(shipment: Shipment) -> str:
    """签收 is final; otherwise the latest event (by when it happened, since carriers may
    push late) says where the parcel is."""
    events = list(shipment.events.order_by("occurred_at", "id"))
    if any(e.kind == EventKind.DELIVERED for e in events):
        return ShipmentStatus.DELIVERED
    return _KIND_TO_STATUS[events[-1].kind] if events else ShipmentStatus.SHIPPED


def _open_exception(shipment: Shipment, kind: str, reason: str, *, at: datetime | None = None) -> ShipmentException | None:
    """Flag the shipment (at most one open flag per kind), on the order's timeline too."""
    if ShipmentException.objects.filter(shipment=shipment, kind=kind, status=ExceptionStatus.OPEN).exists():
        return None
    try:
        with transaction.atomic():
            flag = ShipmentException.objects.create(
                shipment=shipment, kind=kind, reason=reason[:300], detected_at=at or timezone.now()
            )
    except IntegrityError:
        return None
    record_event(
        order=shipment.order, user=None, kind=OrderEvent.Kind.NOTE, action="shipment_exception",
        reason=f"物流{flag.get_kind_display()}：{shipment.carrier.name} {shipment.tracking_number}，{flag.reason}",
        data={"exception_id": flag.pk, "shipment_id": shipment.pk, "kind": kind},
    )
    return flag


def _resolve(flag: ShipmentException, *, user, resolution: str, note: str = "", amount=None, pick_list=None) -> None:
    flag.status = ExceptionStatus.RESOLVED
    flag.resolution = resolution
    flag.resolution_note = note
    flag.compensation_amount = amount
    flag.replacement_pick_list = pick_list
    flag.resolved_by = user
    flag.resolved_at = timezone.now()
    flag.save()


def _all_shipments_delivered(order: Order) -> bool:
    if PickList.objects.filter(order=order, status__in=PICK_LIST_OPEN).exists():
        return False
    live = Shipment.objects.filter(order=order).exclude(status__in=[ShipmentStatus.REPLACED, ShipmentStatus.LOST])
    statuses = list(live.values_list("status", flat=True))
    return bool(statuses) and all(s == ShipmentStatus.DELIVERED for s in statuses)


def _drive_order(shipment: Shipment, event: ShipmentEvent, user) -> None:
    """The first movement of any shipment puts the order 配送中; the last signature 已交付."""
    if shipment.status in (ShipmentStatus.REPLACED, ShipmentStatus.LOST) or event.kind not in _MOVING_KINDS:
        return
    if event.kind != EventKind.DELIVERED and shipment.order.status != OrderStatus.SHIPPED:
        return  # already on its way (an order never goes back to 已出库): no lock needed
    order = _lock_order(shipment.order)
    label = f"{shipment.carrier.name} {shipment.tracking_number}"
    if event.kind in _MOVING_KINDS and order.status == OrderStatus.SHIPPED:
        order = order_services.order_start_transit(
            order=order, user=user, reason=f"{label}：{event.get_kind_display()} {event.place}".strip()
        )
    if (
        shipment.status == ShipmentStatus.DELIVERED
        and order.status == OrderStatus.IN_TRANSIT
        and _all_shipments_delivered(order)
    ):
        order_services.order_deliver(order=order, user=user, reason=f"{label} 已签收")


@transaction.atomic
def shipment_event_record(
    *,
    shipment: Shipment,
    user,
    kind: str,
    occurred_at: datetime,
    place: str = "",
    note: str = "",
    source: str = EventSource.MANUAL,
    external_id: str = "",
) -> tuple[ShipmentEvent, bool]:
    """Record one logistics event; returns ``(event, created)``.

    A carrier event id seen before is ignored (``created`` False). 异常 opens a flag; any
    other event clears a 疑似丢件 flag (the parcel moves again). Movement drives the order.
    """
    _require(user, "fulfillment.manage_shipments", "录入物流事件")
    if kind not in EventKind.values:
        raise InvalidInput("请选择物流状态")
    if occurred_at is None:
        raise InvalidInput("请填写物流时间")
    if occurred_at > timezone.now() + timedelta(hours=1):
        raise InvalidInput("物流时间不能晚于当前时间")
    locked = Shipment.objects.select_for_update(of=("self",)).select_related("carrier", "order").get(pk=shipment.pk)
    if occurred_at < locked.shipped_at - timedelta(days=1):
        raise InvalidInput(f"物流时间早于发货时间（{timezone.localtime(locked.shipped_at):%Y-%m-%d %H:%M}）")
    external_id = (external_id or "").strip()
    if external_id:
        seen = ShipmentEvent.objects.filter(carrier=locked.carrier, external_id=external_id).first()
        if seen is not None:
            return seen, False
    try:
        with transaction.atomic():
            event = ShipmentEvent.objects.create(
                shipment=locked, carrier=locked.carrier, kind=kind, occurred_at=occurred_at,
                place=(place or "").strip()[:100], note=(note or "").strip()[:300], source=source,
                external_id=external_id, recorded_by=user,
            )
    except IntegrityError:
        # The same carrier event id, sent at the same moment for another shipment: already stored.
        seen = ShipmentEvent.objects.filter(carrier=locked.carrier, external_id=external_id).first()
        if seen is None:
            raise
        return seen, False
    if locked.status == ShipmentStatus.REPLACED:
        pass  # its replacement is the one being delivered; this one only keeps its history
    elif locked.status == ShipmentStatus.DELIVERED or kind == EventKind.DELIVERED:
        locked.status = ShipmentStatus.DELIVERED
    elif locked.last_event_at is None or occurred_at >= locked.last_event_at:
        # A parcel written off as lost that moves again is tracked again.
        if locked.status != ShipmentStatus.LOST or kind in _MOVING_KINDS:
            locked.status = _KIND_TO_STATUS[kind]
    locked.last_event_at = max(filter(None, [locked.last_event_at, occurred_at]))
    if locked.status == ShipmentStatus.DELIVERED and locked.delivered_at is None:
        locked.delivered_at = occurred_at
    locked.save()

    if kind == EventKind.EXCEPTION:
        _open_exception(locked, ExceptionKind.CARRIER, f"承运商报告异常：{event.place} {event.note}".strip())
    else:
        for flag in ShipmentException.objects.filter(
            shipment=locked, kind=ExceptionKind.SUSPECTED_LOSS, status=ExceptionStatus.OPEN
        ):
            _resolve(flag, user=user, resolution=Resolution.RECOVERED, note=f"收到新物流信息：{event.get_kind_display()}")
            record_event(
                order=locked.order, user=user, kind=OrderEvent.Kind.NOTE, action="exception_resolved",
                reason=f"物流疑似丢件已解除：{locked} 有新物流信息（{event.get_kind_display()} {event.place}）",
                data={"exception_id": flag.pk, "shipment_id": locked.pk, "outcome": "包裹已有新的物流信息，正在正常配送"},
            )
    _drive_order(locked, event, user)
    return event, True


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    event_ids: list[int] = field(default_factory=list)


@transaction.atomic
def carrier_events_ingest(*, carrier: Carrier, events: Sequence[CarrierEvent], source: str) -> IngestResult:
    """Record events pushed or polled from a carrier: all of them or, on any error, none."""
    numbers = {e.tracking_number for e in events}
    shipments = {s.tracking_number: s for s in Shipment.objects.filter(carrier=carrier, tracking_number__in=numbers)}
    unknown = sorted(numbers - set(shipments))
    if unknown:
        raise InvalidInput(f"未知运单号：{', '.join(unknown[:10])}")
    result = IngestResult()
    # Shipments are locked in primary-key order so that two concurrent pushes cannot deadlock.
    ordered = sorted(events, key=lambda e: (shipments[e.tracking_number].pk, e.occurred_at))
    for item in ordered:
        event, created = shipment_event_record(
            shipment=shipments[item.tracking_number], user=None, kind=item.kind, occurred_at=item.occurred_at,
            place=item.place, note=item.note, source=source, external_id=item.external_id,
        )
        if created:
            result.accepted += 1
            result.event_ids.append(event.pk)
        else:
            result.duplicates += 1
    return result


def carriers_poll(*, now: datetime | None = None) -> dict[str, int]:
    """Ask every carrier with a poller for news of its shipments on the way.

    One carrier's failure (network, bad data) is logged and does not stop the others.
    """
    now = now or timezone.now()
    accepted = {}
    for carrier in Carrier.objects.filter(is_active=True).exclude(poller=""):
        poller = get_poller(carrier)
        if poller is None:
            continue
        shipments = list(Shipment.objects.active().filter(carrier=carrier).select_related("order"))
        if not shipments:
            continue
        try:
            events = list(poller.fetch_events(shipments, now=now))
            accepted[carrier.code] = carrier_events_ingest(carrier=carrier, events=events, source=EventSource.POLL).accepted if events else 0
        except BusinessError as error:
            logger.error("Polling carrier %s: %s", carrier.code, error)
        except Exception:  # noqa: BLE001 - a carrier's outage must not stop the others
            logger.exception("Polling carrier %s failed", carrier.code)
    return accepted


def _store_proof_file(proof: DeliveryProof, image: CheckedImage, kind: str) -> ProofFile:
    return ProofFile.objects.create(
        proof=proof, kind=kind, file=image.as_file("proofs"), content_type=image.content_type, size=len(image.content)
    )


@transaction.atomic
def shipment_sign(
    *,
    shipment: Shipment,
    user,
    receiver_name: str,
    condition: str = ReceiptCondition.NORMAL,
    note: str = "",
    signed_at: datetime | None = None,
    signature_data_url: str = "",
    photos: Sequence = (),
    abnormal_photos: Sequence = (),
) -> DeliveryProof:
    """签收 with proof: a photo and/or a drawn signature. An abnormal receipt (破损, 错发, 少件)
    needs photos and a description and opens an after-sales case."""
    _require(user, "fulfillment.manage_shipments", "登记签收")
    receiver_name = (receiver_name or "").strip()
    note = (note or "").strip()
    problems = []
    if not receiver_name:
        problems.append("请填写签收人")
    if condition not in ReceiptCondition.values:
        problems.append("请选择货物状况")
    abnormal = condition != ReceiptCondition.NORMAL
    if abnormal and not abnormal_photos:
        problems.append("货物异常时请上传异常照片")
    if abnormal and not note:
        problems.append("货物异常时请描述问题（破损情况、错发或缺少的商品）")
    if not signature_data_url and not photos:
        problems.append("请上传签收照片或让收货人在页面上签名")
    if len(photos) + len(abnormal_photos) > settings.UPLOAD_MAX_FILES:
        problems.append(f"照片最多 {settings.UPLOAD_MAX_FILES} 张")
    if problems:
        raise InvalidInput("；".join(problems))
    # Every file is checked before anything is written.
    signature = decode_data_url(signature_data_url, label="签名") if signature_data_url else None
    checked_photos = [read_upload(f, label=f"签收照片 {getattr(f, 'name', '')}".strip()) for f in photos]
    checked_abnormal = [read_upload(f, label=f"异常照片 {getattr(f, 'name', '')}".strip()) for f in abnormal_photos]

    locked = Shipment.objects.select_for_update(of=("self",)).select_related("carrier", "order").get(pk=shipment.pk)
    if DeliveryProof.objects.filter(shipment=locked).exists():
        raise InvalidTransition(f"运单 {locked} 已登记过签收")
    signed_at = signed_at or timezone.now()
    if locked.status != ShipmentStatus.DELIVERED:
        shipment_event_record(
            shipment=locked, user=user, kind=EventKind.DELIVERED, occurred_at=signed_at,
            place=f"{locked.order.ship_city}{locked.order.ship_district}",
            note=f"签收人：{receiver_name}" + ("（货物异常）" if abnormal else ""),
        )
    proof = DeliveryProof.objects.create(
        shipment=locked, receiver_name=receiver_name[:50], condition=condition, note=note,
        signed_at=signed_at, recorded_by=user,
    )
    if signature is not None:
        _store_proof_file(proof, signature, ProofFile.Kind.SIGNATURE)
    for image in checked_photos:
        _store_proof_file(proof, image, ProofFile.Kind.PHOTO)
    stored_abnormal = [_store_proof_file(proof, image, ProofFile.Kind.ABNORMAL) for image in checked_abnormal]
    if abnormal:
        case = after_sales_case_open(
            order=locked.order, case_type=condition, description=note, opened_by=user,
            source=f"签收异常 {locked}", photos=stored_abnormal,
        )
        proof.after_sales_case = case
        proof.save(update_fields=["after_sales_case"])
        record_event(
            order=locked.order, user=user, kind=OrderEvent.Kind.NOTE, action="delivery_abnormal",
            reason=f"签收异常（{proof.get_condition_display()}）：{note}；已登记售后工单 #{case.pk}",
            data={"shipment_id": locked.pk, "after_sales_case": case.pk},
        )
    return proof


# =========================================================================================
# Exceptions: detection and resolution
# =========================================================================================

def shipment_exceptions_detect(*, now: datetime | None = None) -> list[ShipmentException]:
    """Flag shipments past their expected date (延误, once per shipment) and shipments with
    no logistics news for ``FULFILLMENT_LOSS_AFTER_DAYS`` days (疑似丢件). Safe to run as
    often as wanted: a shipment never carries two open flags of one kind."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    flags = []
    late = (
        Shipment.objects.active()
        .filter(expected_delivery_date__lt=today)
        .exclude(exceptions__kind=ExceptionKind.DELAYED)
        .order_by("pk")
    )
    for shipment in late:
        with transaction.atomic():
            locked = Shipment.objects.select_for_update(of=("self",)).select_related("carrier", "order").get(pk=shipment.pk)
            if not locked.is_active or locked.exceptions.filter(kind=ExceptionKind.DELAYED).exists():
                continue
            days = (today - locked.expected_delivery_date).days
            flag = _open_exception(
                locked, ExceptionKind.DELAYED,
                f"预计 {locked.expected_delivery_date:%Y-%m-%d} 送达，已超期 {days} 天，当前状态：{locked.get_status_display()}",
                at=now,
            )
            if flag:
                flags.append(flag)
    cutoff = loss_cutoff(now)
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
    for shipment in silent:
        with transaction.atomic():
            locked = Shipment.objects.select_for_update(of=("self",)).select_related("carrier", "order").get(pk=shipment.pk)
            if not locked.is_active or locked.last_activity_at >= cutoff:
                continue
            last = locked.events.order_by("-occurred_at", "-id").first()
            where = f"，最后状态：{last.get_kind_display()} {last.place}".rstrip() if last else "，发货后没有任何物流信息"
            days = (now - locked.last_activity_at).days
            flag = _open_exception(
                locked, ExceptionKind.SUSPECTED_LOSS,
                f"已 {days} 天没有物流更新（最后更新 {timezone.localtime(locked.last_activity_at):%Y-%m-%d %H:%M}{where}）",
                at=now,
            )
            if flag:
                flags.append(flag)
    return flags


def _replacement_pick_list(shipment: Shipment, user) -> PickList:
    """Reserve the lost shipment's goods again (FIFO) on a new pick list for the warehouse."""
    quantities = defaultdict(int)
    for line in shipment.pick_list.lines.select_related("order_line", "order_line__product"):
        quantities[line.order_line] += line.quantity
    allocations = stock_allocate_quantities(quantities=dict(quantities))
    pick_list = PickList.objects.create(
        number=_next_pick_list_number(shipment.order), order=shipment.order, replaces_shipment=shipment,
        created_by=user, note=f"补发：原运单 {shipment}",
    )
    _add_pick_lines(pick_list, [(a, a.quantity) for a in allocations])
    return pick_list


@transaction.atomic
def shipment_exception_resolve(
    *, exception: ShipmentException, user, resolution: str, compensation_amount=None, note: str = ""
) -> ShipmentException:
    """补发 (the goods are reserved again and a replacement pick list goes to the warehouse;
    the lost shipment is closed) or 赔偿 (the amount is recorded). The customer is told."""
    _require(user, "fulfillment.manage_shipments", "处理物流异常")
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
        order = _lock_order(shipment.order)
        if order.status not in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT):
            raise InvalidTransition(
                f"订单 {order.number} 当前状态为“{order.get_status_display()}”：订单全部出库后才能补发，或选择赔偿"
            )
        pick_list = _replacement_pick_list(shipment, user)
        shipment.status = ShipmentStatus.REPLACED
        shipment.save(update_fields=["status"])
        for other in ShipmentException.objects.select_for_update().filter(shipment=shipment, status=ExceptionStatus.OPEN):
            _resolve(other, user=user, resolution=Resolution.RESHIP, note=note, pick_list=pick_list)
        outcome = "为您补发，新的物流单号将在发货后通知您"
        text = f"补发：已生成补发拣货单 {pick_list.number}，待仓库出库"
    elif resolution == Resolution.COMPENSATION:
        try:
            amount = to_money(compensation_amount)
        except (InvalidOperation, TypeError, ValueError) as error:
            raise InvalidInput("请填写赔偿金额") from error
        if amount < Decimal("0"):
            raise InvalidInput("赔偿金额不能为负数")
        _resolve(flag, user=user, resolution=Resolution.COMPENSATION, note=note, amount=amount)
        if flag.kind == ExceptionKind.SUSPECTED_LOSS:
            shipment.status = ShipmentStatus.LOST
            shipment.save(update_fields=["status"])
        outcome = f"赔偿 ¥{amount:,.2f}"
        text = outcome
    else:
        raise InvalidInput("请选择处理方式：补发或赔偿")
    record_event(
        order=shipment.order, user=user, kind=OrderEvent.Kind.NOTE, action="exception_resolved",
        reason=f"物流{flag.get_kind_display()}处理：{shipment}，{text}" + (f"。{note}" if note else ""),
        data={"exception_id": flag.pk, "shipment_id": shipment.pk, "resolution": resolution, "outcome": outcome},
    )
    flag.refresh_from_db()
    return flag


# =========================================================================================
# Notifications: templates and the outbox
# =========================================================================================

@transaction.atomic
def notification_template_update(
    *, template: NotificationTemplate, user, subject: str, body: str, is_active: bool
) -> NotificationTemplate:
    _require(user, "fulfillment.change_notificationtemplate", "修改通知模板")
    subject, body = (subject or "").strip(), (body or "").strip()
    problems = []
    if not body:
        problems.append("内容不能为空")
    if template.channel == Channel.EMAIL and not subject:
        problems.append("邮件标题不能为空")
    unknown = unknown_placeholders(subject + body)
    if unknown:
        problems.append("未知的占位符：" + "、".join("{" + name + "}" for name in unknown))
    if template.channel == Channel.SMS and len(body) > 300:
        problems.append("短信内容最多 300 字")
    if problems:
        raise InvalidInput("；".join(problems))
    locked = NotificationTemplate.objects.select_for_update().get(pk=template.pk)
    locked.subject, locked.body, locked.is_active, locked.updated_by = subject, body, is_active, user
    locked.save()
    return locked


def _mobile_number(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits if len(digits) == 11 and digits.startswith("1") else ""


def notifications_create_for_event(*, event: OrderEvent, key: str) -> list[NotificationMessage]:
    """Write the outbox rows for one timeline event (inside the event's transaction).

    One message per active template channel. A customer without an e-mail address or a
    mobile number gets a 未发送 row saying so, so that staff can see who was not told.
    """
    existing = list(NotificationMessage.objects.filter(event=event))
    if existing:
        return existing
    order = event.order
    templates = {t.channel: t for t in NotificationTemplate.objects.filter(key=key, is_active=True)}
    if not templates:
        return []
    values = notice_values(order, event)
    messages = []
    for channel, template in sorted(templates.items()):
        recipient = order.contact_email.strip() if channel == Channel.EMAIL else _mobile_number(order.contact_phone)
        message = NotificationMessage(
            order=order, event=event, key=key, channel=channel, recipient=recipient,
            subject=fill(template.subject, values)[:200], body=fill(template.body, values),
        )
        if not recipient:
            message.status = MessageStatus.SKIPPED
            message.last_error = "订单没有电子邮箱" if channel == Channel.EMAIL else "联系电话不是手机号，无法发短信"
        else:
            message.next_attempt_at = timezone.now()
        messages.append(message)
    return NotificationMessage.objects.bulk_create(messages)


@dataclass
class DeliveryOutcome:
    status: str
    retry_in: float | None = None


def _send(message: NotificationMessage) -> str:
    if message.channel == Channel.EMAIL:
        EmailMessage(
            subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.recipient]
        ).send(fail_silently=False)
        return ""
    return get_sms_backend().send(phone=message.recipient, text=message.body, reference=f"notice-{message.pk}")


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure: base, 2×base, 4×base… capped."""
    return min(settings.NOTIFY_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0)), settings.NOTIFY_RETRY_MAX_SECONDS)


@transaction.atomic
def notification_deliver(*, message_id: int) -> DeliveryOutcome:
    """One attempt to send an outbox message.

    The row stays locked during the attempt, so two workers never send it twice. A failure
    schedules the next attempt (``retry_in``); after ``NOTIFY_MAX_ATTEMPTS`` the message is
    marked 发送失败 and shows up for staff.
    """
    message = NotificationMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.status != MessageStatus.PENDING:
        return DeliveryOutcome(message.status if message else "missing")
    now = timezone.now()
    # Early by more than a little: another task owns this attempt.
    if message.next_attempt_at and message.next_attempt_at > now + timedelta(seconds=30):
        return DeliveryOutcome(message.status)
    message.attempts += 1
    message.last_attempt_at = now
    try:
        provider_id = _send(message)
    except Exception as error:  # noqa: BLE001 - any backend failure is recorded and retried
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            message.failed_at = now
            message.next_attempt_at = None
            message.save()
            logger.error(
                "Notification %s to %s failed after %s attempts: %s",
                message.pk, message.recipient, message.attempts, message.last_error,
            )
            return DeliveryOutcome(MessageStatus.FAILED)
        delay = retry_delay(message.attempts)
        message.next_attempt_at = now + timedelta(seconds=delay)
        message.save()
        logger.warning("Notification %s attempt %s failed (%s); retry in %ss",
                       message.pk, message.attempts, message.last_error, delay)
        return DeliveryOutcome(MessageStatus.PENDING, retry_in=delay)
    message.status = MessageStatus.SENT
    message.sent_at = now
    message.provider_message_id = (provider_id or "")[:100]
    message.next_attempt_at = None
    message.save()
    return DeliveryOutcome(MessageStatus.SENT)


@transaction.atomic
def notification_resend(*, message: NotificationMessage, user) -> NotificationMessage:
    """Staff send a failed (or stuck) message again, with a fresh series of attempts."""
    _require(user, "fulfillment.resend_notification", "重新发送通知")
    from .notifications.triggers import dispatch_after_commit

    locked = NotificationMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status not in (MessageStatus.FAILED, MessageStatus.PENDING):
        raise InvalidTransition(f"该通知状态为“{locked.get_status_display()}”，不需要重新发送")
    if not locked.recipient:
        raise InvalidInput("该通知没有收件人")
    locked.status = MessageStatus.PENDING
    locked.attempts = 0
    locked.failed_at = None
    locked.next_attempt_at = timezone.now()
    locked.save()
    dispatch_after_commit([locked.pk])
    return locked
