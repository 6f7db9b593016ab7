"""An order may leave in several shipments; it is 已出库 only when every line has shipped."""

import pytest
from django.utils import timezone

from fulfillment import services as ff
from fulfillment.models import EventKind
from inventory.models import StockAllocation, StockBatch
from ordermgmt.errors import InvalidInput
from orders import services as order_services
from orders.models import OrderStatus
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db


def _allocations(order):
    return {a.order_line.line_no: a for a in StockAllocation.objects.filter(order_line__order=order, state="active")}


def test_order_ships_in_two_shipments_and_is_shipped_only_after_the_last(staff, carrier):
    order = allocated_order(staff, lines=((10, 10), (4, 4)))
    by_line = _allocations(order)
    # First shipment: 6 of line 1, nothing of line 2.
    first = ship_all(order, staff, carrier, quantities={by_line[1].pk: 6, by_line[2].pk: 0})
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    partial = order.events.get(action="ship_partial")
    assert partial.kind == "note" and "第1行" in partial.reason and "还差 4" in partial.reason
    assert partial.data["tracking_number"] == first.tracking_number
    batch_one = StockBatch.objects.get(product=order.lines.get(line_no=1).product)
    assert (batch_one.quantity_remaining, batch_one.quantity_allocated) == (4, 4), "6 left, 4 still reserved"

    # Events on the first parcel do not move the order while goods are still in the warehouse.
    ff.shipment_event_record(shipment=first, user=None, kind=EventKind.IN_TRANSIT, occurred_at=timezone.now())
    ff.shipment_event_record(shipment=first, user=None, kind=EventKind.DELIVERED, occurred_at=timezone.now())
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED

    second = ship_all(order, staff, carrier)  # the rest: 4 of line 1 and 4 of line 2
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert sum(line.quantity for line in second.pick_list.lines.all()) == 8
    assert order.events.filter(to_status=OrderStatus.SHIPPED).count() == 1

    ff.shipment_event_record(shipment=second, user=None, kind=EventKind.IN_TRANSIT, occurred_at=timezone.now())
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_TRANSIT
    ff.shipment_event_record(shipment=second, user=None, kind=EventKind.DELIVERED, occurred_at=timezone.now())
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED, "both parcels are signed for"


def test_order_is_delivered_only_when_every_shipment_is_signed(staff, carrier):
    order = allocated_order(staff, lines=((2, 2), (2, 2)))
    by_line = _allocations(order)
    first = ship_all(order, staff, carrier, quantities={by_line[1].pk: 2, by_line[2].pk: 0})
    second = ship_all(order, staff, carrier)
    for shipment in (first, second):
        ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.IN_TRANSIT, occurred_at=timezone.now())
    ff.shipment_event_record(shipment=second, user=None, kind=EventKind.DELIVERED, occurred_at=timezone.now())
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_TRANSIT
    ff.shipment_event_record(shipment=first, user=None, kind=EventKind.DELIVERED, occurred_at=timezone.now())
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_part_of_a_batch_can_be_picked_and_the_rest_stays_reserved(staff):
    order = allocated_order(staff, lines=((10, 10),))
    (allocation,) = _allocations(order).values()
    pick_list = ff.pick_list_create(order=order, user=staff["warehouse"], quantities={allocation.pk: 3})
    (line,) = pick_list.lines.all()
    assert line.quantity == 3 and line.allocation.quantity == 3
    remaining = StockAllocation.objects.filter(order_line__order=order, state="active").exclude(pk=line.allocation_id)
    assert [a.quantity for a in remaining] == [7]
    assert StockBatch.objects.get(pk=allocation.batch_id).quantity_allocated == 10, "splitting moves no stock"


def test_picking_more_than_reserved_is_refused_and_nothing_is_created(staff):
    order = allocated_order(staff, lines=((5, 10),))
    (allocation,) = _allocations(order).values()
    with pytest.raises(InvalidInput):
        ff.pick_list_create(order=order, user=staff["warehouse"], quantities={allocation.pk: 6})
    with pytest.raises(InvalidInput):
        ff.pick_list_create(order=order, user=staff["warehouse"], quantities={allocation.pk: 0})
    assert not order.pick_lists.exists()


def test_direct_ship_from_the_order_page_still_ships_everything(staff):
    order = allocated_order(staff, lines=((3, 5), (1, 1)))
    order_services.order_ship(order=order, user=staff["warehouse"])
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert not StockAllocation.objects.filter(order_line__order=order, state="active").exists()


def test_shipping_allocations_already_shipped_is_refused(staff, carrier):
    order = allocated_order(staff, lines=((2, 2), (2, 2)))
    by_line = _allocations(order)
    order_services.order_ship(order=order, user=staff["warehouse"], allocations=[by_line[1]])
    with pytest.raises(InvalidInput):
        order_services.order_ship(order=order, user=staff["warehouse"], allocations=[by_line[1]])
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
