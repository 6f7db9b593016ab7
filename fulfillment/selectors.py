"""Reads shared by the fulfillment views, the order page panel and the tracking page."""

from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from inventory.models import StockAllocation
from orders.models import Order, OrderStatus
from ordermgmt.encryption import contact_blind_index
from orders.selectors import with_queue_order

from .models import (
    PICK_LIST_OPEN,
    DeliveryProof,
    ExceptionStatus,
    MessageStatus,
    NotificationMessage,
    PickList,
    PickListLine,
    ProductionOrder,
    ProductionStatus,
    Shipment,
    ShipmentEvent,
    ShipmentException,
)
from .services import pickable_allocations
from .tracking import mask_address, mask_name, public_event

# --- production -------------------------------------------------------------------------------


def production_queue(*, view: str = "open", query: str = "", today: date | None = None) -> QuerySet[ProductionOrder]:
    """``view``: open (default), late, done (入库/取消), all. Late ones first, then by planned finish."""
    today = today or timezone.localdate()
    queryset = ProductionOrder.objects.select_related("order", "order__customer", "order_line", "owner")
    if view == "late":
        queryset = queryset.late(today)
    elif view == "done":
        queryset = queryset.exclude(status__in=[ProductionStatus.PLANNED, ProductionStatus.IN_PROGRESS,
                                                ProductionStatus.QC_PASSED])
    elif view != "all":
        queryset = queryset.open()
    query = (query or "").strip()
    if query:
        queryset = queryset.filter(
            Q(number__icontains=query) | Q(order__number__startswith=query) | Q(order_line__product_name__icontains=query)
            | Q(order__customer__name__icontains=query)
        )
    late_ids = ProductionOrder.objects.late(today).filter(pk=OuterRef("pk"))
    return queryset.annotate(is_late=Exists(late_ids)).order_by("-is_late", "planned_finish", "id")


def late_production_count(today: date | None = None) -> int:
    return ProductionOrder.objects.late(today or timezone.localdate()).count()


# --- warehouse ------------------------------------------------------------------------------


def orders_waiting_for_picking() -> QuerySet[Order]:
    """已分配 orders with reserved goods not yet on a pick list, 加急 and oldest first."""
    taken = PickListLine.objects.exclude(pick_list__status="cancelled").values("allocation_id")
    pickable = StockAllocation.objects.filter(
        order_line__order=OuterRef("pk"), state=StockAllocation.State.ACTIVE
    ).exclude(pk__in=taken)
    orders = Order.objects.filter(status=OrderStatus.ALLOCATED).filter(Exists(pickable)).select_related("customer")
    return with_queue_order(orders)


def pick_list_queue(*, view: str = "open", query: str = "") -> QuerySet[PickList]:
    queryset = PickList.objects.select_related("order", "order__customer", "replaces_shipment").annotate(
        line_count=Count("lines")
    )
    if view == "open":
        queryset = queryset.filter(status__in=PICK_LIST_OPEN)
    query = (query or "").strip()
    if query:
        queryset = queryset.filter(Q(number__icontains=query) | Q(order__number__startswith=query))
    return queryset.order_by("created_at", "id") if view == "open" else queryset.order_by("-created_at", "-id")


def pick_list_detail(pk: int) -> PickList:
    return (
        PickList.objects.select_related("order", "order__customer", "created_by", "picked_by", "packed_by",
                                        "replaces_shipment__carrier")
        .prefetch_related("lines__order_line", "lines__batch__warehouse")
        .get(pk=pk)
    )


# --- logistics ------------------------------------------------------------------------------


def shipment_list(*, view: str = "active", query: str = "") -> QuerySet[Shipment]:
    """``view``: active (on the way), flagged (open exceptions), delivered, all."""
    open_flags = ShipmentException.objects.filter(shipment=OuterRef("pk"), status=ExceptionStatus.OPEN)
    queryset = Shipment.objects.select_related("order", "order__customer", "carrier").annotate(
        has_open_flag=Exists(open_flags)
    )
    if view == "flagged":
        queryset = queryset.filter(has_open_flag=True)
    elif view == "delivered":
        queryset = queryset.filter(status="delivered")
    elif view != "all":
        queryset = queryset.active()
    query = (query or "").strip()
    if query:
        queryset = queryset.filter(Q(tracking_number__icontains=query) | Q(order__number__startswith=query))
    return queryset.prefetch_related(
        Prefetch("exceptions", queryset=ShipmentException.objects.filter(status=ExceptionStatus.OPEN), to_attr="open_flags")
    ).order_by("-has_open_flag", "expected_delivery_date", "id")


def shipment_detail(pk: int) -> Shipment:
    return (
        Shipment.objects.select_related("order", "order__customer", "carrier", "pick_list", "replaces", "created_by")
        .prefetch_related("events__recorded_by", "exceptions__resolved_by", "pick_list__lines__order_line",
                          "replacements__carrier")
        .get(pk=pk)
    )


def open_exceptions(*, query: str = "") -> QuerySet[ShipmentException]:
    queryset = ShipmentException.objects.filter(status=ExceptionStatus.OPEN).select_related(
        "shipment", "shipment__carrier", "shipment__order", "shipment__order__customer"
    )
    query = (query or "").strip()
    if query:
        queryset = queryset.filter(
            Q(shipment__tracking_number__icontains=query) | Q(shipment__order__number__startswith=query)
        )
    return queryset.order_by("detected_at", "id")


def recent_resolved_exceptions(limit: int = 20) -> list[ShipmentException]:
    return list(
        ShipmentException.objects.filter(status=ExceptionStatus.RESOLVED)
        .select_related("shipment__carrier", "shipment__order", "resolved_by")
        .order_by("-resolved_at")[:limit]
    )


# --- notifications --------------------------------------------------------------------------


def outbox(*, status: str = "", query: str = "") -> QuerySet[NotificationMessage]:
    queryset = NotificationMessage.objects.select_related("order")
    if status:
        queryset = queryset.filter(status=status)
    query = (query or "").strip()
    if query:
        # The recipient is encrypted: found by its blind index, the whole phone or e-mail only.
        queryset = queryset.filter(Q(order__number__startswith=query) | Q(recipient_index=contact_blind_index(query)))
    return queryset.order_by("-created_at", "-id")


def failed_notification_count() -> int:
    return NotificationMessage.objects.filter(status=MessageStatus.FAILED).count()


def notifications_due_for_requeue(*, now: datetime, grace_seconds: int = 60) -> list[int]:
    """Pending messages whose attempt is overdue by more than ``grace_seconds``."""
    return list(
        NotificationMessage.objects.filter(
            status=MessageStatus.PENDING, next_attempt_at__lte=now - timedelta(seconds=grace_seconds)
        )
        .exclude(recipient="")
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )


# --- the order page panel --------------------------------------------------------------------


def order_fulfillment(order: Order) -> dict:
    shipments = list(
        order.shipments.select_related("carrier", "replaces")
        .prefetch_related(
            Prefetch("events", queryset=ShipmentEvent.objects.order_by("-occurred_at", "-id"), to_attr="latest_events"),
            "exceptions",
        )
        .order_by("shipped_at", "id")
    )
    return {
        "production_orders": list(order.production_orders.select_related("owner", "order_line").order_by("id")),
        "pick_lists": list(order.pick_lists.exclude(status__in=["shipped"]).order_by("id")),
        "shipments": shipments,
        "open_flags": [flag for shipment in shipments for flag in shipment.exceptions.all() if flag.is_open],
        "notifications": list(order.notifications.order_by("-created_at", "-id")[:10]),
        "has_pickable": order.status == OrderStatus.ALLOCATED and bool(pickable_allocations(order)),
    }


# --- the customer's tracking page --------------------------------------------------------------

CUSTOMER_STEPS = [
    ("placed", "已下单", {OrderStatus.PENDING_REVIEW}),
    ("accepted", "已受理", {OrderStatus.APPROVED, OrderStatus.ALLOCATED}),
    ("production", "生产中", {OrderStatus.IN_PRODUCTION}),
    ("shipped", "已发货", {OrderStatus.SHIPPED}),
    ("transit", "配送中", {OrderStatus.IN_TRANSIT}),
    ("delivered", "已签收", {OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.AFTER_SALES}),
]
CUSTOMER_STATUS_TEXT = {
    OrderStatus.PENDING_REVIEW: "订单已提交，等待审核",
    OrderStatus.APPROVED: "订单已受理，正在备货",
    OrderStatus.ALLOCATED: "订单已受理，正在备货",
    OrderStatus.IN_PRODUCTION: "您定制的商品正在生产",
    OrderStatus.SHIPPED: "已发货，等待承运商揽收",
    OrderStatus.IN_TRANSIT: "运输中",
    OrderStatus.DELIVERED: "已签收",
    OrderStatus.COMPLETED: "已签收，订单已完成",
    OrderStatus.AFTER_SALES: "已签收，售后处理中",
    OrderStatus.REJECTED: "订单暂未通过审核，销售将与您联系",
    OrderStatus.CANCELLED: "订单已取消",
}


def _receiver_name(shipment: Shipment) -> str:
    try:
        return shipment.proof.receiver_name
    except DeliveryProof.DoesNotExist:
        return ""


def tracking_snapshot(order: Order) -> dict:
    """What the public tracking page may show — and nothing more: status, progress,
    logistics events (whitelisted fields, see ``tracking.public_event``), expected delivery,
    masked contact and address."""
    steps_def = [s for s in CUSTOMER_STEPS if order.is_custom or s[0] != "production"]
    stopped = order.status in (OrderStatus.REJECTED, OrderStatus.CANCELLED)
    current_index = next((i for i, (_, _, statuses) in enumerate(steps_def) if order.status in statuses), -1)
    steps = [
        {"key": key, "label": label, "done": i < current_index, "current": i == current_index}
        for i, (key, label, _) in enumerate(steps_def)
    ]
    shipments = list(
        order.shipments.exclude(status="replaced").select_related("carrier", "proof")
        .prefetch_related(Prefetch("events", queryset=ShipmentEvent.objects.order_by("-occurred_at", "-id")))
        .order_by("shipped_at", "id")
    )
    on_the_way = [s for s in shipments if s.is_active]
    expected = max((s.expected_delivery_date for s in on_the_way), default=None)
    return {
        "number": order.number,
        "status_text": CUSTOMER_STATUS_TEXT.get(order.status, order.get_status_display()),
        "status": order.status,
        "stopped": stopped,
        "steps": [] if stopped else steps,
        "shipments": [
            {
                "carrier": s.carrier.name,
                "tracking_number": s.tracking_number,
                "tracking_url": s.tracking_url,
                "status": s.get_status_display(),
                "expected": s.expected_delivery_date,
                "delivered_at": s.delivered_at,
                "events": [public_event(e, order=order, receiver_name=_receiver_name(s)) for e in s.events.all()],
            }
            for s in shipments
        ],
        "expected_delivery": expected,
        "contact": f"{mask_name(order.contact_name)} {order.masked_phone}",
        "address": mask_address(order),
    }

