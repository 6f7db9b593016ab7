"""What the fulfillment services share: the role check, the step check, the order lock,
pick-list lines, a shipment's status from its events, and opening and resolving logistics
exceptions."""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from inventory.models import StockAllocation
from inventory.services import stock_split_allocations
from ordermgmt.errors import ActionForbidden, InvalidTransition
from ordermgmt.language import in_platform_language
from orders.events import record_event
from orders.models import Order, OrderEvent

from ..models import (
    EventKind,
    ExceptionNote,
    ExceptionStatus,
    PickList,
    PickListLine,
    Shipment,
    ShipmentException,
    ShipmentStatus,
)


def check_permission(user, permission: str, what: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise ActionForbidden(f"您的角色没有权限{what}")


@in_platform_language
def check_step(document, method, *, kind: str, action: str) -> None:
    """Refuse a step the document's state machine does not allow now, naming its state."""
    if not can_proceed(method):
        raise InvalidTransition(f"{kind} {document.number} 当前状态为“{document.get_status_display()}”，不能{action}")


def lock_order(order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def next_pick_list_number(order: Order) -> str:
    return f"JH{order.number}-{PickList.objects.filter(order=order).count() + 1}"


def add_pick_lines(pick_list: PickList, chosen: Sequence[tuple[StockAllocation, int]]) -> None:
    parts = stock_split_allocations(quantities={allocation.pk: quantity for allocation, quantity in chosen})
    PickListLine.objects.bulk_create([
        PickListLine(pick_list=pick_list, order_line_id=part.order_line_id, allocation=part, batch_id=part.batch_id,
                     quantity=part.quantity)
        for part in parts
    ])


KIND_TO_STATUS = {
    EventKind.PICKED_UP: ShipmentStatus.PICKED_UP,
    EventKind.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    EventKind.OUT_FOR_DELIVERY: ShipmentStatus.OUT_FOR_DELIVERY,
    EventKind.DELIVERED: ShipmentStatus.DELIVERED,
    EventKind.EXCEPTION: ShipmentStatus.EXCEPTION,
}


def status_from_events(shipment: Shipment) -> str:
    """签收 is final; otherwise the latest event (by when it happened, since carriers may
    push late) says where the parcel is."""
    events = list(shipment.events.order_by("occurred_at", "id"))
    if any(e.kind == EventKind.DELIVERED for e in events):
        return ShipmentStatus.DELIVERED
    return KIND_TO_STATUS[events[-1].kind] if events else ShipmentStatus.SHIPPED


@in_platform_language
def open_exception(shipment: Shipment, kind: str, reason: str, *, at: datetime | None = None) -> ShipmentException | None:
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
        order=shipment.order, user=None, kind=OrderEvent.Kind.NOTE, action=ExceptionNote.FLAGGED,
        reason=f"物流{flag.get_kind_display()}：{shipment.carrier.name} {shipment.tracking_number}，{flag.reason}",
        data={"exception_id": flag.pk, "shipment_id": shipment.pk, "kind": kind},
    )
    return flag


def resolve_exception(flag: ShipmentException, *, user, resolution: str, note: str = "", amount=None, pick_list=None) -> None:
    flag.status = ExceptionStatus.RESOLVED
    flag.resolution = resolution
    flag.resolution_note = note
    flag.compensation_amount = amount
    flag.replacement_pick_list = pick_list
    flag.resolved_by = user
    flag.resolved_at = timezone.now()
    flag.save()
