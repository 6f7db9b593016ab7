"""Stock for approved orders (FIFO, or purchase requests on shortage), production and shipping."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from inventory.models import PurchaseRequest
from inventory.selectors import shipped_quantities_by_line
from inventory.services import (
    Shortage,
    purchase_requests_raise,
    stock_allocate_order,
    stock_consume_allocations,
    stock_consume_order,
)
from ordermgmt.errors import (
    BusinessError,
    InsufficientStock,
    InvalidTransition,
)
from ordermgmt.language import in_platform_language

from ..events import record_event
from ..models import (
    Order,
    OrderEvent,
    OrderStatus,
    OrderType,
)
from .common import check_permission, fire_transition

logger = logging.getLogger(__name__)


@dataclass
class AllocationOutcome:
    order: Order
    allocated: bool
    shortages: list[Shortage] = field(default_factory=list)
    purchase_requests: list[PurchaseRequest] = field(default_factory=list)


@in_platform_language
@transaction.atomic
def order_try_allocate(*, order: Order, user, reason: str = "") -> AllocationOutcome:
    """Lock stock for an approved order; on shortage, raise purchase requests instead.

    The order stays 已审核 with its shortage visible until stock arrives; receiving stock
    for the product allocates the waiting orders by priority (``orders_allocate_waiting``).
    """
    check_permission(user, "orders.allocate_order", "分配库存")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.APPROVED:
        raise InvalidTransition(
            f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已审核的订单可以分配库存"
        )
    try:
        with transaction.atomic():
            allocations = stock_allocate_order(order=locked)
    except InsufficientStock as shortage:
        requests = []
        if not locked.is_custom:
            requests = purchase_requests_raise(order=locked, shortages=shortage.shortages, user=user)
        if requests:
            record_event(
                order=locked,
                user=user,
                kind=OrderEvent.Kind.STOCK,
                action="shortage",
                reason=str(shortage) + "。已生成采购申请 " + "、".join(r.number for r in requests),
                data={"shortages": [s.__dict__ for s in shortage.shortages], "purchase_requests": [r.pk for r in requests]},
            )
        return AllocationOutcome(locked, False, shortage.shortages, requests)
    summary = [{"line": a.order_line.line_no, "batch": a.batch.batch_no, "quantity": a.quantity} for a in allocations]
    allocated = fire_transition(order=locked, user=user, action="allocate", reason=reason, data={"allocations": summary})
    PurchaseRequest.objects.filter(order=allocated, state=PurchaseRequest.State.OPEN).update(
        state=PurchaseRequest.State.CANCELLED, closed_at=timezone.now(), note="订单已由现有库存满足"
    )
    return AllocationOutcome(allocated, True)


def order_allocate(*, order: Order, user, reason: str = "") -> Order:
    """The 分配库存 button: allocate, or report the shortage (after the purchase requests
    raised for it have been committed)."""
    outcome = order_try_allocate(order=order, user=user, reason=reason)
    if not outcome.allocated:
        requests = "，已生成采购申请 " + "、".join(r.number for r in outcome.purchase_requests) if outcome.purchase_requests else ""
        raise InsufficientStock("库存不足，暂无法分配：" + "；".join(str(s) for s in outcome.shortages) + requests)
    return outcome.order


def orders_allocate_waiting(*, product_ids) -> list[str]:
    """Allocate approved 现货 orders that wait for these products, highest priority first.

    Runs after a receipt commits, possibly at the same moment as the run of another
    receipt that wants some of the same orders. Each order is tried in its own
    transaction (one order's shortage does not undo another's allocation) that locks the
    order row and then its batches by primary key, the order every stock change uses. An
    order that is no longer waiting when its turn comes — the other run allocated it — is
    passed over, and so is an order a business rule refuses: neither holds back the orders
    after it. Returns the numbers of the orders allocated.
    """
    waiting = list(
        Order.objects.filter(status=OrderStatus.APPROVED, order_type=OrderType.STOCK, lines__product_id__in=product_ids)
        .order_by("-priority_score", "created_at", "id")
        .values_list("pk", flat=True)
        .distinct()
    )
    allocated = []
    for order_id in waiting:
        try:
            outcome = _allocate_if_still_waiting(order_id)
        except BusinessError as refusal:
            logger.warning("Order %s not allocated after receipt: %s", order_id, refusal)
            continue
        if outcome is not None and outcome.allocated:
            allocated.append(outcome.order.number)
    return allocated


@transaction.atomic
def _allocate_if_still_waiting(order_id: int) -> AllocationOutcome | None:
    order = (
        Order.objects.select_for_update()
        .filter(pk=order_id, status=OrderStatus.APPROVED, order_type=OrderType.STOCK)
        .first()
    )
    if order is None:
        return None
    return order_try_allocate(order=order, user=None, reason="到货后自动分配")


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
    stock_allocate_order(order=locked)
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
