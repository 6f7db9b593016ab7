"""A 现货 order and a 定制 order walked through every fulfillment step, as the desks do it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fulfillment import services as ff
from fulfillment.models import (
    EventKind,
    PickListStatus,
    ProductionOrder,
    ProductionStatus,
    ShipmentStatus,
)
from inventory.models import StockAllocation, StockBatch, StockType
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from orders import services as order_services
from orders.models import OrderEvent, OrderStatus
from tests.factories import ProductFactory, WarehouseFactory, make_order, receive
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db


def _statuses(order):
    return list(order.events.filter(kind="status").order_by("id").values_list("to_status", flat=True))


def test_stock_order_goes_from_pick_list_to_signature_and_every_step_is_recorded(staff, carrier):
    order = allocated_order(staff, lines=((3, 10), (2, 5)))
    pick_list = ff.pick_list_create(order=order, user=staff["warehouse"])
    assert sorted(line.quantity for line in pick_list.lines.all()) == [2, 3]

    ff.pick_list_mark_picked(pick_list=pick_list, user=staff["warehouse"])
    ff.pick_list_mark_packed(pick_list=pick_list, user=staff["warehouse"], package_count=2)
    shipment = ff.pick_list_ship(pick_list=pick_list, user=staff["warehouse"], carrier=carrier,
                                 tracking_number="sf 1234 5678")
    order.refresh_from_db()
    pick_list.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert pick_list.status == PickListStatus.SHIPPED
    assert shipment.tracking_number == "SF12345678"
    # Shanghai has its own transit time (1 day) on this carrier.
    assert shipment.expected_delivery_date == timezone.localdate() + timedelta(days=1)
    batches = StockBatch.objects.filter(allocations__order_line__order=order).distinct()
    assert sorted((b.quantity_remaining, b.quantity_allocated) for b in batches) == [(3, 0), (7, 0)]
    ship_event = order.events.get(to_status=OrderStatus.SHIPPED)
    assert ship_event.data["tracking_number"] == "SF12345678" and ship_event.actor == staff["warehouse"]

    now = timezone.now()
    ff.shipment_event_record(shipment=shipment, user=staff["logistics"], kind=EventKind.PICKED_UP,
                             occurred_at=now - timedelta(hours=3), place="上海仓")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED, "揽收 alone does not move the order"
    ff.shipment_event_record(shipment=shipment, user=staff["logistics"], kind=EventKind.IN_TRANSIT,
                             occurred_at=now - timedelta(hours=2), place="上海转运中心")
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_TRANSIT

    ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="张三",
                     signature_data_url=_png_data_url())
    order.refresh_from_db()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED and shipment.delivered_at is not None
    assert order.status == OrderStatus.DELIVERED
    assert _statuses(order) == ["approved", "allocated", "shipped", "in_transit", "delivered"]
    transit = order.events.get(to_status=OrderStatus.IN_TRANSIT)
    assert transit.actor == staff["logistics"] and "上海转运中心" in transit.reason


def test_custom_order_is_produced_received_into_its_own_batch_and_shipped(staff, carrier):
    custom = ProductFactory(stock_type=StockType.CUSTOM, name="定制展柜")
    chair = ProductFactory(name="办公椅")
    receive(chair, 10)
    # An older free batch of the custom product exists: FIFO would take it. The goods
    # produced for this order must go to this order.
    old_batch = receive(custom, 5, days_ago=30)
    order = make_order(user=staff["sales"], lines=[(custom, 3, "5000.00"), (chair, 2, "300.00")])
    order_services.order_approve(order=order, user=staff["reviewer"])

    # Approval raised the production orders for the 定制 line.
    raised = list(ProductionOrder.objects.filter(order=order))
    assert [(p.order_line.product, p.quantity) for p in raised] == [(custom, 3)]
    assert order.events.get(action="production_raised").actor_name == "系统"
    assert ff.production_order_raise(order=order, user=staff["reviewer"]) == [], "raising is idempotent"
    production = raised[0]
    assert production.planned_finish > timezone.localdate()

    ff.production_order_start(production_order=production, user=staff["production"])
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PRODUCTION
    ff.production_order_pass_qc(production_order=production, user=staff["production"], note="尺寸、漆面合格")
    # Into the warehouse of the chairs: the order leaves as one pick list (one per warehouse).
    warehouse = WarehouseFactory(code="WH-TEST")
    result = ff.production_order_stock(production_order=production, user=staff["production"], warehouse=warehouse)

    production.refresh_from_db()
    order.refresh_from_db()
    assert result.order_finished and production.status == ProductionStatus.STOCKED
    assert order.status == OrderStatus.ALLOCATED
    custom_allocation = StockAllocation.objects.get(order_line__order=order, order_line__product=custom)
    assert custom_allocation.batch == production.batch != old_batch
    assert (custom_allocation.quantity, production.batch.warehouse) == (3, warehouse)
    old_batch.refresh_from_db()
    assert old_batch.quantity_allocated == 0

    shipment = ship_all(order, staff, carrier)
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.IN_TRANSIT, occurred_at=timezone.now())
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.DELIVERED, occurred_at=timezone.now())
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert _statuses(order) == ["approved", "in_production", "allocated", "shipped", "in_transit", "delivered"]
    system_events = order.events.filter(to_status__in=["in_transit", "delivered"])
    assert {e.actor_name for e in system_events} == {"系统"}


def test_custom_order_waits_for_every_production_order(staff):
    first, second = ProductFactory(stock_type=StockType.CUSTOM), ProductFactory(stock_type=StockType.CUSTOM)
    order = make_order(user=staff["sales"], lines=[(first, 1, "100"), (second, 2, "100")])
    order_services.order_approve(order=order, user=staff["reviewer"])
    a, b = ProductionOrder.objects.filter(order=order).order_by("id")
    for production in (a, b):
        ff.production_order_start(production_order=production, user=staff["production"])
        ff.production_order_pass_qc(production_order=production, user=staff["production"])
    ff.production_order_stock(production_order=a, user=staff["production"], warehouse=WarehouseFactory(code="W1"))
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PRODUCTION
    assert order.events.filter(action="production_stocked").exists()
    ff.production_order_stock(production_order=b, user=staff["production"], warehouse=WarehouseFactory(code="W1"))
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED


def test_production_stock_keeps_receipt_when_other_lines_lack_stock(staff):
    custom, scarce = ProductFactory(stock_type=StockType.CUSTOM), ProductFactory()
    receive(scarce, 5)
    order = make_order(user=staff["sales"], lines=[(custom, 1, "100"), (scarce, 5, "10")])
    order_services.order_approve(order=order, user=staff["reviewer"])
    (production,) = ProductionOrder.objects.filter(order=order)
    ff.production_order_start(production_order=production, user=staff["production"])
    ff.production_order_pass_qc(production_order=production, user=staff["production"])
    # Someone else takes the stock of the other line meanwhile (approval allocates it).
    other = make_order(user=staff["sales"], lines=[(scarce, 5, "10")])
    order_services.order_approve(order=other, user=staff["reviewer"])
    other.refresh_from_db()
    assert other.status == OrderStatus.ALLOCATED

    result = ff.production_order_stock(production_order=production, user=staff["production"],
                                       warehouse=WarehouseFactory(code="W1"))
    order.refresh_from_db()
    assert not result.order_finished and "库存不足" in result.warning
    assert order.status == OrderStatus.IN_PRODUCTION
    assert StockAllocation.objects.filter(order_line__product=custom, order_line__order=order, state="active").exists()


def test_late_production_orders_are_listed_first_with_their_reason(staff, client):
    custom = ProductFactory(stock_type=StockType.CUSTOM)
    order = make_order(user=staff["sales"], lines=[(custom, 1, "100")])
    order_services.order_approve(order=order, user=staff["reviewer"])
    (production,) = ProductionOrder.objects.filter(order=order)
    today = timezone.localdate()
    ff.production_order_plan(production_order=production, user=staff["production"], owner=staff["production"],
                             planned_start=today - timedelta(days=5), planned_finish=today - timedelta(days=2))
    assert production.__class__.objects.late(today).get() == production
    assert "已逾期 2 天" in ProductionOrder.objects.get().late_reason(today)

    client.force_login(staff["production"])
    page = client.get("/fulfillment/production/?view=late").content.decode()
    assert production.number in page and "已逾期 2 天" in page


def test_production_steps_are_refused_out_of_order_and_without_the_role(staff):
    custom = ProductFactory(stock_type=StockType.CUSTOM)
    order = make_order(user=staff["sales"], lines=[(custom, 1, "100")])
    order_services.order_approve(order=order, user=staff["reviewer"])
    (production,) = ProductionOrder.objects.filter(order=order)
    with pytest.raises(InvalidTransition):
        ff.production_order_stock(production_order=production, user=staff["production"],
                                  warehouse=WarehouseFactory(code="W1"))
    with pytest.raises(ActionForbidden):
        ff.production_order_start(production_order=production, user=staff["warehouse"])
    with pytest.raises(InvalidInput):
        ff.production_order_cancel(production_order=production, user=staff["production"], reason=" ")
    ff.production_order_cancel(production_order=production, user=staff["production"], reason="客户改款")
    assert order.events.filter(action="production_cancelled", reason__contains="客户改款").exists()


def test_pick_list_steps_must_follow_each_other_and_tracking_numbers_are_unique(staff, carrier):
    order = allocated_order(staff)
    pick_list = ff.pick_list_create(order=order, user=staff["warehouse"])
    with pytest.raises(InvalidTransition):
        ff.pick_list_ship(pick_list=pick_list, user=staff["warehouse"], carrier=carrier, tracking_number="SF0001")
    with pytest.raises(InvalidInput):
        ff.pick_list_create(order=order, user=staff["warehouse"])  # everything is on the first pick list
    first = ship_all(allocated_order(staff), staff, carrier, tracking_number="SF-DUP-1")
    ff.pick_list_mark_picked(pick_list=pick_list, user=staff["warehouse"])
    ff.pick_list_mark_packed(pick_list=pick_list, user=staff["warehouse"])
    with pytest.raises(InvalidInput) as error:
        ff.pick_list_ship(pick_list=pick_list, user=staff["warehouse"], carrier=carrier, tracking_number="sf-dup-1")
    assert first.order.number in str(error.value)
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED


def test_cancelled_pick_list_returns_its_goods_to_the_picking_queue(staff):
    order = allocated_order(staff)
    pick_list = ff.pick_list_create(order=order, user=staff["warehouse"])
    ff.pick_list_cancel(pick_list=pick_list, user=staff["warehouse"], reason="打印错误")
    again = ff.pick_list_create(order=order, user=staff["warehouse"])
    assert again.total_quantity == 2


def test_events_before_shipping_or_in_the_future_are_refused(staff, carrier):
    shipment = ship_all(allocated_order(staff), staff, carrier)
    with pytest.raises(InvalidInput):
        ff.shipment_event_record(shipment=shipment, user=staff["logistics"], kind=EventKind.IN_TRANSIT,
                                 occurred_at=timezone.now() + timedelta(days=1))
    with pytest.raises(ActionForbidden):
        ff.shipment_event_record(shipment=shipment, user=staff["warehouse"], kind=EventKind.IN_TRANSIT,
                                 occurred_at=timezone.now())
    assert shipment.events.count() == 0


def test_events_arriving_out_of_order_keep_the_latest_state(staff, carrier):
    shipment = ship_all(allocated_order(staff), staff, carrier)
    now = timezone.now()
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.OUT_FOR_DELIVERY, occurred_at=now)
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.PICKED_UP,
                             occurred_at=now - timedelta(hours=20))
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert shipment.order.status == OrderStatus.IN_TRANSIT


def _png_data_url() -> str:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), "white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_order_timeline_keeps_one_event_per_state_change(staff, carrier):
    order = allocated_order(staff)
    shipment = ship_all(order, staff, carrier)
    for kind in (EventKind.IN_TRANSIT, EventKind.IN_TRANSIT, EventKind.OUT_FOR_DELIVERY):
        ff.shipment_event_record(shipment=shipment, user=None, kind=kind, occurred_at=timezone.now())
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.IN_TRANSIT).count() == 1
