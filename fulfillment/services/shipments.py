"""Logistics events (entered by staff, pushed or polled from carriers) and how they move
the shipment and the order (配送中, 已交付)."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ordermgmt.errors import BusinessError, InvalidInput
from ordermgmt.language import in_platform_language
from orders import services as order_services
from orders.events import record_event
from orders.models import Order, OrderEvent, OrderStatus

from ..carriers.base import CarrierEvent, get_poller
from ..models import (
    PICK_LIST_OPEN,
    Carrier,
    EventKind,
    EventSource,
    ExceptionKind,
    ExceptionNote,
    ExceptionStatus,
    PickList,
    Resolution,
    Shipment,
    ShipmentEvent,
    ShipmentException,
    ShipmentStatus,
)
from .common import (
    KIND_TO_STATUS,
    check_permission,
    lock_order,
    open_exception,
    resolve_exception,
)

logger = logging.getLogger(__name__)


_MOVING_KINDS = {EventKind.IN_TRANSIT, EventKind.OUT_FOR_DELIVERY, EventKind.DELIVERED}


def _all_shipments_delivered(order: Order) -> bool:
    if PickList.objects.filter(order=order, status__in=PICK_LIST_OPEN).exists():
        return False
    live = Shipment.objects.filter(order=order).exclude(status__in=[ShipmentStatus.REPLACED, ShipmentStatus.LOST])
    statuses = list(live.values_list("status", flat=True))
    return bool(statuses) and all(s == ShipmentStatus.DELIVERED for s in statuses)


@in_platform_language
def _drive_order(shipment: Shipment, event: ShipmentEvent, user) -> None:
    """The first movement of any shipment puts the order 配送中; the last signature 已交付."""
    if shipment.status in (ShipmentStatus.REPLACED, ShipmentStatus.LOST) or event.kind not in _MOVING_KINDS:
        return
    if event.kind != EventKind.DELIVERED and shipment.order.status != OrderStatus.SHIPPED:
        return  # already on its way (an order never goes back to 已出库): no lock needed
    order = lock_order(shipment.order)
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


@in_platform_language
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
    check_permission(user, "fulfillment.manage_shipments", "录入物流事件")
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
            locked.status = KIND_TO_STATUS[kind]
    locked.last_event_at = max(filter(None, [locked.last_event_at, occurred_at]))
    if locked.status == ShipmentStatus.DELIVERED and locked.delivered_at is None:
        locked.delivered_at = occurred_at
    locked.save()

    if kind == EventKind.EXCEPTION:
        open_exception(locked, ExceptionKind.CARRIER, f"承运商报告异常：{event.place} {event.note}".strip())
    else:
        for flag in ShipmentException.objects.filter(
            shipment=locked, kind=ExceptionKind.SUSPECTED_LOSS, status=ExceptionStatus.OPEN
        ):
            resolve_exception(flag, user=user, resolution=Resolution.RECOVERED, note=f"收到新物流信息：{event.get_kind_display()}")
            record_event(
                order=locked.order, user=user, kind=OrderEvent.Kind.NOTE, action=ExceptionNote.RESOLVED,
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
