"""Production orders for 定制 goods: raised at approval, planned, started, checked, stocked;
and withdrawing what was planned when an approved order is edited."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from inventory.models import StockAllocation, Warehouse
from inventory.services import stock_allocate_from_batch, stock_receive
from ordermgmt.errors import InsufficientStock, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from orders import services as order_services
from orders.events import record_event
from orders.models import Order, OrderEvent, OrderStatus

from ..models import PICK_LIST_OPEN, PickList, ProductionOrder, Shipment
from .common import check_permission, check_step, lock_order


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


def _next_production_number(order: Order) -> str:
    return f"SC{order.number}-{ProductionOrder.objects.filter(order=order).count() + 1}"


@in_platform_language
@transaction.atomic
def production_order_raise(*, order: Order, user) -> list[ProductionOrder]:
    """Create the production orders an approved order needs (idempotent).

    One per 定制 line, for the quantity neither reserved from stock nor already in an open
    production order. Called when a 定制 order is approved (by a reviewer or the automatic
    review), so it checks no role: it is a consequence of the approval. Returns the orders
    created now (none when everything is covered already).
    """
    locked = lock_order(order)
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


@in_platform_language
@transaction.atomic
def production_order_plan(
    *, production_order: ProductionOrder, user, owner, planned_start: date | None, planned_finish: date | None
) -> ProductionOrder:
    """Set the team leader (生产组长) and the planned dates."""
    check_permission(user, "fulfillment.manage_production", "安排生产计划")
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


@in_platform_language
@transaction.atomic
def production_order_start(*, production_order: ProductionOrder, user) -> ProductionOrder:
    """生产中. The first production order of an order to start moves the order to 生产中."""
    check_permission(user, "fulfillment.manage_production", "开工")
    locked = _lock_production(production_order)
    check_step(locked, locked.start, kind="生产单", action="开工")
    order = lock_order(locked.order)
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
    check_permission(user, "fulfillment.manage_production", "登记质检")
    locked = _lock_production(production_order)
    check_step(locked, locked.pass_qc, kind="生产单", action="登记质检合格")
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


@in_platform_language
@transaction.atomic
def production_order_stock(*, production_order: ProductionOrder, user, warehouse: Warehouse) -> StockingResult:
    """入库: the goods become a new batch reserved for the order's line.

    When it was the order's last open production order the order leaves 生产中 (the order
    service reserves whatever else the order needs, FIFO). If other lines lack stock, the
    receipt stands and the order waits in 生产中 for them; the warning says why.
    """
    check_permission(user, "fulfillment.manage_production", "入库")
    locked = _lock_production(production_order)
    check_step(locked, locked.stock, kind="生产单", action="入库（须先质检合格）")
    order = lock_order(locked.order)
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
    check_permission(user, "fulfillment.manage_production", "取消生产单")
    if not (reason or "").strip():
        raise InvalidInput("请填写取消原因")
    locked = _lock_production(production_order)
    check_step(locked, locked.cancel, kind="生产单", action="取消")
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
