"""调拨: FIFO from the source's free stock, in transit, received with the lot kept."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import StockAllocation, StockBatch, StockMovement, TransferStatus
from inventory.selectors import in_transit_quantities
from inventory.services import stock_allocate_order
from inventory.services.transfers import (
    lot_attributes,
    transfer_cancel,
    transfer_create,
    transfer_receive,
    transfer_ship,
)
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InsufficientStock, InvalidInput, InvalidTransition
from tests.factories import ProductFactory, WarehouseFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def shanghai():
    return WarehouseFactory(code="WH-TEST", name="上海仓")


@pytest.fixture
def guangzhou():
    return WarehouseFactory(code="WH-GZT", name="广州仓")


def test_shipping_takes_the_oldest_free_stock_of_the_source_and_shows_it_in_transit(shanghai, guangzhou):
    product = ProductFactory()
    newer = receive(product, 10, days_ago=1, warehouse=shanghai)
    older = receive(product, 4, days_ago=20, warehouse=shanghai)
    transfer = transfer_create(source=shanghai, destination=guangzhou, lines=[(product, 6)], user=None)

    transfer = transfer_ship(transfer=transfer, user=None)

    assert transfer.status == TransferStatus.SHIPPED
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.quantity_remaining, newer.quantity_remaining) == (0, 8)
    assert sorted(StockMovement.objects.filter(kind="transfer_out").values_list("quantity", flat=True)) == [-4, -2]
    assert in_transit_quantities() == {(product.pk, guangzhou.pk): 6}
    assert in_transit_quantities(product_ids=[ProductFactory().pk]) == {}


def test_stock_allocated_to_orders_is_never_transferred(shanghai, guangzhou):
    product = ProductFactory(sku="ALLOC-1")
    receive(product, 10, warehouse=shanghai)
    stock_allocate_order(order=make_order(lines=[(product, 7, "1.00")]))
    transfer = transfer_create(source=shanghai, destination=guangzhou, lines=[(product, 4)], user=None)

    with pytest.raises(InsufficientStock) as error:
        transfer_ship(transfer=transfer, user=None)

    assert "ALLOC-1" in str(error.value) and "可用 3" in str(error.value)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DRAFT
    assert StockBatch.objects.get(product=product).quantity_remaining == 10


def test_received_batches_keep_the_received_date_and_lot_attributes_so_fifo_stays_true(shanghai, guangzhou):
    product = ProductFactory()
    old = receive(product, 5, days_ago=40, warehouse=shanghai)
    StockBatch.objects.filter(pk=old.pk).update(production_date=date(2026, 9, 1), expiry_date=date(2027, 9, 1),
                                                unit_cost=Decimal("12.50"))
    old.refresh_from_db()
    local_newer = receive(product, 5, days_ago=10, warehouse=guangzhou)
    transfer = transfer_ship(transfer=transfer_create(source=shanghai, destination=guangzhou,
                                                      lines=[(product, 5)], user=None), user=None)

    transfer_receive(transfer=transfer, user=None)

    arrived = StockBatch.objects.get(warehouse=guangzhou, movements__kind="transfer_in")
    assert lot_attributes(arrived) == lot_attributes(old)
    assert (arrived.quantity_received, arrived.quantity_remaining) == (5, 5)
    assert in_transit_quantities() == {}
    order = make_order(lines=[(product, 3, "1.00")])
    stock_allocate_order(order=order)
    assert StockAllocation.objects.get(order_line__order=order).batch == arrived, "the older goods go first"
    local_newer.refresh_from_db()
    assert local_newer.quantity_allocated == 0


def test_a_short_receipt_needs_a_reason_and_records_the_difference_on_the_line(shanghai, guangzhou):
    product = ProductFactory(sku="SHORT-1")
    receive(product, 3, days_ago=30, warehouse=shanghai)
    receive(product, 5, days_ago=5, warehouse=shanghai)
    transfer = transfer_ship(transfer=transfer_create(source=shanghai, destination=guangzhou,
                                                      lines=[(product, 8)], user=None), user=None)
    line = transfer.lines.get()

    with pytest.raises(InvalidInput, match="差异原因"):
        transfer_receive(transfer=transfer, user=None, received={line.pk: 6})
    transfer_receive(transfer=transfer, user=None, received={line.pk: 6}, reasons={line.pk: "运输破损 2 件"})

    line.refresh_from_db()
    assert (line.quantity_received, line.difference, line.difference_reason) == (6, -2, "运输破损 2 件")
    arrived = StockBatch.objects.filter(warehouse=guangzhou).order_by("received_at")
    assert [b.quantity_remaining for b in arrived] == [3, 3], "the oldest batch arrives first"
    assert transfer.events.last().data == {"differences": {"SHORT-1": [-2, "运输破损 2 件"]}}


def test_receipt_allocates_orders_waiting_at_the_destination(shanghai, guangzhou, django_capture_on_commit_callbacks):
    from orders import services
    from orders.models import OrderStatus

    product = ProductFactory()
    receive(product, 5, warehouse=shanghai)
    transfer = transfer_ship(transfer=transfer_create(source=shanghai, destination=guangzhou,
                                                      lines=[(product, 5)], user=None), user=None)
    order = services.order_approve(order=make_order(lines=[(product, 4, "1.00")]), user=None)
    assert order.status == OrderStatus.APPROVED, "nothing free while the goods are on the road"

    with django_capture_on_commit_callbacks(execute=True):
        transfer_receive(transfer=transfer, user=None)

    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED


def test_only_a_draft_can_be_cancelled_and_a_cancelled_transfer_never_ships(shanghai, guangzhou):
    product = ProductFactory()
    receive(product, 5, warehouse=shanghai)
    draft = transfer_create(source=shanghai, destination=guangzhou, lines=[(product, 1)], user=None)
    shipped = transfer_ship(transfer=transfer_create(source=shanghai, destination=guangzhou,
                                                     lines=[(product, 1)], user=None), user=None)

    with pytest.raises(InvalidInput):
        transfer_cancel(transfer=draft, user=None, reason=" ")
    transfer_cancel(transfer=draft, user=None, reason="不调了")
    with pytest.raises(InvalidTransition):
        transfer_ship(transfer=draft, user=None)
    with pytest.raises(InvalidTransition):
        transfer_cancel(transfer=shipped, user=None, reason="已经在路上")
    assert [e.action for e in draft.events.all()] == ["create", "cancel"]


def test_a_transfer_needs_two_warehouses_and_positive_quantities(shanghai):
    product = ProductFactory()
    with pytest.raises(InvalidInput, match="不能相同"):
        transfer_create(source=shanghai, destination=shanghai, lines=[(product, 1)], user=None)
    with pytest.raises(InvalidInput, match="正整数"):
        transfer_create(source=shanghai, destination=WarehouseFactory(), lines=[(product, 0)], user=None)
    merged = transfer_create(source=shanghai, destination=WarehouseFactory(), lines=[(product, 1), (product, 2)],
                             user=None)
    assert list(merged.lines.values_list("quantity", flat=True)) == [3]


def test_only_warehouse_staff_and_managers_handle_transfers(shanghai, guangzhou):
    product = ProductFactory()
    receive(product, 5, warehouse=shanghai)
    with pytest.raises(ActionForbidden):
        transfer_create(source=shanghai, destination=guangzhou, lines=[(product, 1)], user=user_with_role(roles.SALES))
    clerk = user_with_role(roles.WAREHOUSE)
    transfer = transfer_create(source=shanghai, destination=guangzhou, lines=[(product, 1)], user=clerk)
    with pytest.raises(ActionForbidden):
        transfer_ship(transfer=transfer, user=user_with_role(roles.SALES))
    assert transfer_ship(transfer=transfer, user=clerk).status == TransferStatus.SHIPPED
    assert transfer_receive(transfer=transfer, user=user_with_role(roles.MANAGER)).status == TransferStatus.RECEIVED


def test_the_stock_overview_shows_what_is_in_transit_to_any_warehouse(shanghai, guangzhou, client):
    product, other = ProductFactory(sku="TRANSIT1"), ProductFactory(sku="STAYS1")
    receive(product, 10, warehouse=shanghai)
    receive(other, 10, warehouse=shanghai)
    transfer_ship(transfer=transfer_create(source=shanghai, destination=guangzhou, lines=[(product, 6)], user=None),
                  user=None)
    client.force_login(user_with_role(roles.WAREHOUSE))

    page = client.get("/inventory/?q=TRANSIT1").content.decode()

    assert '<td class="num" data-testid="in-transit">6</td>' in page
    assert '<td class="num" data-testid="in-transit"></td>' in client.get("/inventory/?q=STAYS1").content.decode()
