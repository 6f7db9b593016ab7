"""Row locks under real concurrency (PostgreSQL): simultaneous carrier pushes and receipts."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from fulfillment import services as ff
from fulfillment.models import EventKind, ProductionOrder, ShipmentEvent
from inventory.models import StockAllocation, StockType
from orders import services as order_services
from orders.models import OrderEvent, OrderStatus
from tests.factories import ProductFactory, WarehouseFactory, make_order
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _at_once(*calls):
    """Run the calls in threads released together; return the errors they raised."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_parcels_of_one_order_moving_at_the_same_moment_start_its_transit_once(on_postgres, reference_data, staff,
                                                                               carrier):
    for _ in range(3):
        order = allocated_order(staff, lines=((1, 5), (1, 5)))
        first_line = StockAllocation.objects.filter(order_line__order=order).order_by("order_line__line_no")
        ids = [a.pk for a in first_line]
        parcels = [ship_all(order, staff, carrier, quantities={ids[0]: 1, ids[1]: 0}), ship_all(order, staff, carrier)]
        errors = _at_once(*[
            (lambda s=s: ff.shipment_event_record(shipment=s, user=None, kind=EventKind.IN_TRANSIT,
                                                  occurred_at=timezone.now()))
            for s in parcels
        ])
        assert errors == []
        order.refresh_from_db()
        assert order.status == OrderStatus.IN_TRANSIT
        assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.IN_TRANSIT).count() == 1
        errors = _at_once(*[
            (lambda s=s: ff.shipment_event_record(shipment=s, user=None, kind=EventKind.DELIVERED,
                                                  occurred_at=timezone.now()))
            for s in parcels
        ])
        assert errors == []
        order.refresh_from_db()
        assert order.status == OrderStatus.DELIVERED, "the second signature sees the first one"


def test_the_same_carrier_event_pushed_twice_at_once_is_stored_once(on_postgres, reference_data, staff, carrier):
    shipment = ship_all(allocated_order(staff), staff, carrier)
    event = ff.CarrierEvent(external_id="DUP-1", tracking_number=shipment.tracking_number, kind=EventKind.IN_TRANSIT,
                            occurred_at=timezone.now())
    results = []
    errors = _at_once(*[
        (lambda: results.append(ff.carrier_events_ingest(carrier=carrier, events=[event], source="push")))
        for _ in range(4)
    ])
    assert errors == []
    assert sorted(r.accepted for r in results) == [0, 0, 0, 1]
    assert ShipmentEvent.objects.filter(external_id="DUP-1").count() == 1


def test_last_two_production_orders_received_at_once_finish_the_order_once(on_postgres, reference_data, staff):
    first, second = ProductFactory(stock_type=StockType.CUSTOM), ProductFactory(stock_type=StockType.CUSTOM)
    order = make_order(user=staff["sales"], lines=[(first, 1, "100"), (second, 1, "100")])
    order_services.order_approve(order=order, user=staff["reviewer"])
    productions = list(ProductionOrder.objects.filter(order=order))
    for production in productions:
        ff.production_order_start(production_order=production, user=staff["production"])
        ff.production_order_pass_qc(production_order=production, user=staff["production"])
    warehouse = WarehouseFactory(code="WH-C")
    errors = _at_once(*[
        (lambda p=p: ff.production_order_stock(production_order=p, user=staff["production"], warehouse=warehouse))
        for p in productions
    ])
    assert errors == []
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    assert OrderEvent.objects.filter(order=order, from_status=OrderStatus.IN_PRODUCTION).count() == 1
    assert StockAllocation.objects.filter(order_line__order=order, state="active").count() == 2
