"""The warehouse: pick lists (pick → pack → ship) and the shipment they leave as."""

import re
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.models import StockAllocation, Warehouse
from inventory.services import (
    StockLedger,
    stock_allocate_quantities,
    stock_consume_allocations,
    stock_release_allocations,
    stock_release_order,
)
from inventory.services.routing import route_to_warehouse
from ordermgmt.domain_events import publish
from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from orders import services as order_services
from orders.events import record_event
from orders.models import Order, OrderEvent, OrderStatus

from ..domain_events import ShipmentDispatched
from ..models import Carrier, PickList, PickListLine, Shipment
from .common import (
    add_pick_lines,
    check_permission,
    check_step,
    lock_order,
    next_pick_list_number,
    status_from_events,
)


def pickable_allocations(order: Order) -> list[StockAllocation]:
    """Reserved goods of the order not yet on an open or shipped pick list."""
    taken = PickListLine.objects.filter(pick_list__order=order).exclude(pick_list__status="cancelled")
    return list(
        StockAllocation.objects.filter(order_line__order=order, state=StockAllocation.State.ACTIVE)
        .exclude(pk__in=taken.values("allocation_id"))
        .select_related("order_line", "batch", "batch__warehouse")
        .order_by("order_line__line_no", "batch__received_at", "pk")
    )


@in_platform_language
@transaction.atomic
def order_change_warehouse(*, order: Order, warehouse: Warehouse, user, reason: str = "") -> Order:
    """更换发货仓 (仓库管理员, before picking): the order's reservations are given back and
    taken again from ``warehouse`` only, in one transaction — if that warehouse cannot serve
    the whole order nothing changes and the shortage is named.

    Locks: the order, then every sellable batch of its products in primary-key order (before
    the release, which would otherwise lock the batches it gives back first and the others
    after them: a deadlock with an allocation taking them in key order), then its allocations.
    """
    check_permission(user, "fulfillment.manage_picking", "更换发货仓")
    locked = lock_order(order)
    if locked.status != OrderStatus.ALLOCATED:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已分配库存、尚未拣货的订单可以更换发货仓"
        )
    if PickList.objects.filter(order=locked).exclude(status="cancelled").exists():
        raise InvalidTransition(f"订单 {locked.number} 已生成拣货单，请先作废拣货单再更换发货仓")
    if warehouse.is_quarantine or not warehouse.is_active:
        raise InvalidInput(f"{warehouse.name} 不能发货（隔离仓或已停用）")
    previous = locked.warehouse_note
    lines = list(locked.lines.all())
    StockLedger.lock({line.product_id for line in lines})
    stock_release_order(order=locked)
    covered = shipped_or_reserved_by_line(locked)
    wanted = {line: line.quantity - covered.get(line.pk, 0) for line in lines}
    who = user.get_full_name() or user.get_username()
    route = route_to_warehouse(warehouse, min_shelf_life_days=locked.customer.min_shelf_life_days,
                               reason=f"仓库管理员 {who} 指定")
    allocations = stock_allocate_quantities(quantities=wanted, route=route)
    locked.warehouse_note = allocations.reason[:300]
    locked.save(update_fields=["warehouse_note", "updated_at"])
    record_event(
        order=locked, user=user, kind=OrderEvent.Kind.STOCK, action="change_warehouse",
        reason=f"发货仓改为 {warehouse.name}" + (f"：{reason.strip()}" if (reason or "").strip() else ""),
        data={"warehouse": warehouse.code, "previous": previous,
              "allocations": [{"line": a.order_line.line_no, "batch": a.batch.batch_no, "quantity": a.quantity}
                              for a in allocations]},
    )
    return locked


def shipped_or_reserved_by_line(order: Order) -> dict[int, int]:
    """Quantity per order line still reserved or already shipped."""
    covered: dict[int, int] = {}
    for allocation in StockAllocation.objects.filter(
        order_line__order=order, state__in=[StockAllocation.State.ACTIVE, StockAllocation.State.CONSUMED]
    ):
        covered[allocation.order_line_id] = covered.get(allocation.order_line_id, 0) + allocation.quantity
    return covered


@in_platform_language
@transaction.atomic
def pick_list_create(*, order: Order, user, quantities: dict[int, int] | None = None, note: str = "") -> PickList:
    """A pick list for (part of) what is reserved for the order, in one warehouse.

    ``quantities`` maps allocation id → quantity to pick now; ``None`` picks everything
    still to pick in the first warehouse (by code) that has some — an order served from two
    warehouses gets a pick list in each. Taking part of a batch leaves the rest reserved
    for a later shipment; goods of two warehouses are never on one pick list.
    """
    check_permission(user, "fulfillment.manage_picking", "生成拣货单")
    locked = lock_order(order)
    if locked.status != OrderStatus.ALLOCATED:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已分配库存的订单可以拣货出库"
        )
    available = {a.pk: a for a in pickable_allocations(locked)}
    if not available:
        raise InvalidInput(f"订单 {locked.number} 没有待拣货的商品（已全部生成拣货单或已出库）")
    if quantities is None:
        first = min(available.values(), key=lambda a: (a.batch.warehouse.code, a.batch.warehouse_id))
        chosen = [(a, a.quantity) for a in available.values() if a.batch.warehouse_id == first.batch.warehouse_id]
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
    warehouses = {allocation.batch.warehouse for allocation, _quantity in chosen}
    if len(warehouses) > 1:
        raise InvalidInput("一张拣货单只能包含一个仓库的商品：" + "、".join(sorted(w.name for w in warehouses)) + "，请分开生成")
    pick_list = PickList.objects.create(
        number=next_pick_list_number(locked), order=locked, created_by=user, note=(note or "").strip()[:200],
        warehouse=warehouses.pop(),
    )
    add_pick_lines(pick_list, chosen)
    return pick_list


def _lock_pick_list(pick_list: PickList) -> PickList:
    return PickList.objects.select_for_update().get(pk=pick_list.pk)


@transaction.atomic
def pick_list_mark_picked(*, pick_list: PickList, user) -> PickList:
    check_permission(user, "fulfillment.manage_picking", "确认拣货")
    locked = _lock_pick_list(pick_list)
    check_step(locked, locked.mark_picked, kind="拣货单", action="确认拣货完成")
    locked.mark_picked()
    locked.picked_by, locked.picked_at = user, timezone.now()
    locked.save()
    return locked


@transaction.atomic
def pick_list_mark_packed(*, pick_list: PickList, user, package_count: int = 1) -> PickList:
    check_permission(user, "fulfillment.manage_picking", "确认打包")
    if not isinstance(package_count, int) or package_count < 1:
        raise InvalidInput("包裹数必须是正整数")
    locked = _lock_pick_list(pick_list)
    check_step(locked, locked.mark_packed, kind="拣货单", action="确认打包完成（须先拣货完成）")
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
    check_permission(user, "fulfillment.manage_picking", "出库")
    locked = _lock_pick_list(pick_list)
    check_step(locked, locked.ship, kind="拣货单", action="出库（须先打包完成）")
    if carrier is None or not carrier.is_active:
        raise InvalidInput("请选择启用中的承运商")
    tracking_number = clean_tracking_number(tracking_number)
    existing = Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).select_related("order").first()
    if existing is not None:
        raise InvalidInput(f"{carrier.name} 物流单号 {tracking_number} 已用于订单 {existing.order.number}")
    order = lock_order(locked.order)
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
    publish(ShipmentDispatched(shipment=shipment, user=user))
    return shipment


@transaction.atomic
def pick_list_cancel(*, pick_list: PickList, user, reason: str) -> PickList:
    """作废 a pick list not yet shipped. Its goods stay reserved for the order, except for a
    re-shipment: then they are released and the original shipment is watched again."""
    check_permission(user, "fulfillment.manage_picking", "作废拣货单")
    if not (reason or "").strip():
        raise InvalidInput("请填写作废原因")
    locked = _lock_pick_list(pick_list)
    check_step(locked, locked.cancel, kind="拣货单", action="作废")
    locked.cancel()
    locked.cancel_reason = reason.strip()
    locked.save()
    if locked.replaces_shipment_id:
        stock_release_allocations(allocations=[line.allocation for line in locked.lines.select_related("allocation")])
        original = Shipment.objects.select_for_update().get(pk=locked.replaces_shipment_id)
        original.status = status_from_events(original)
        original.save(update_fields=["status"])
        record_event(
            order=locked.order, user=user, kind=OrderEvent.Kind.NOTE, action="reship_cancelled",
            reason=f"补发拣货单 {locked.number} 已作废：{locked.cancel_reason}；原运单 {original} 恢复跟踪",
        )
    return locked
