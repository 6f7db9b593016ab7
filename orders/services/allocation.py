"""Stock for approved orders (the 分配库存 button; FIFO allocation itself is in ``batches``),
production and shipping."""

from collections.abc import Sequence

from django.db import transaction

from inventory.selectors import shipped_quantities_by_line
from inventory.services import (
    stock_allocate_order,
    stock_consume_allocations,
    stock_consume_order,
)
from ordermgmt.errors import (
    InsufficientStock,
    InvalidTransition,
)
from ordermgmt.language import in_platform_language

from ..events import record_event
from ..models import (
    Order,
    OrderEvent,
    OrderStatus,
)
from .batches import order_try_allocate
from .common import check_permission, fire_transition


def order_allocate(*, order: Order, user, reason: str = "") -> Order:
    """The 分配库存 button: allocate, or report the shortage (after the purchase requests
    raised for it have been committed)."""
    outcome = order_try_allocate(order=order, user=user, reason=reason)
    if not outcome.allocated:
        requests = "，已生成采购申请 " + "、".join(r.number for r in outcome.purchase_requests) if outcome.purchase_requests else ""
        raise InsufficientStock("库存不足，暂无法分配：" + "；".join(str(s) for s in outcome.shortages) + requests)
    return outcome.order


@transaction.atomic
def order_start_production(*, order: Order, user, reason: str = "") -> Order:
    return fire_transition(order=order, user=user, action="start_production", reason=reason)


@transaction.atomic
def order_finish_production(*, order: Order, user, reason: str = "") -> Order:
    """Production is done: the goods must be in stock; they are allocated to this order."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.IN_PRODUCTION:
        raise InvalidTransition(f"订单 {locked.number} 不在生产中")
    check_permission(user, "orders.produce_order", "完成生产")
    allocations = stock_allocate_order(order=locked)
    if allocations.reason:
        locked.warehouse_note = allocations.reason[:300]
        locked.save(update_fields=["warehouse_note", "updated_at"])
    return fire_transition(order=locked, user=user, action="finish_production", reason=reason)


@in_platform_language
@transaction.atomic
def order_ship(
    *, order: Order, user, reason: str = "", allocations: Sequence | None = None, data: dict | None = None
) -> Order:
    """出库: allocated goods leave the warehouse.

    ``allocations`` are the ones one shipment carries (partial shipment); ``None`` ships
    every active allocation. The order becomes 已出库 only once every line has shipped in
    full; an earlier shipment is a note on the timeline (no state change).
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.ALLOCATED:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已分配的订单可以出库"
        )
    check_permission(user, "orders.ship_order", "出库")
    if allocations is None:
        quantity = stock_consume_order(order=locked, user=user)
    else:
        quantity = stock_consume_allocations(allocations=allocations, order_number=locked.number, user=user)
    data = {"quantity": quantity, **(data or {})}
    shipped = shipped_quantities_by_line(locked)
    waiting = [line for line in locked.lines.all() if shipped.get(line.pk, 0) < line.quantity]
    if waiting:
        remaining = "、".join(f"第{l.line_no}行 {l.product_name} 还差 {l.quantity - shipped.get(l.pk, 0)}" for l in waiting)
        record_event(
            order=locked, user=user, kind=OrderEvent.Kind.NOTE, action="ship_partial",
            reason=f"部分出库 {quantity} 件；{remaining}" + (f"。{reason}" if reason else ""), data=data,
        )
        return locked
    return fire_transition(order=locked, user=user, action="ship", reason=reason, data=data)
