"""A 仓库管理员 may change the shipping warehouse before picking; pick lists are per warehouse."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfillment import services as ff
from inventory.models import StockAllocation, StockBatch
from inventory.services import stock_receive
from inventory.services.warehouse_rules import parse_warehouse_codes, warehouse_rule_save
from ordermgmt.errors import ActionForbidden, InsufficientStock, InvalidInput, InvalidTransition
from orders import services as order_services
from orders.models import OrderStatus
from tests.factories import CustomerFactory, ProductFactory, WarehouseFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_warehouses():
    return WarehouseFactory(code="SH", name="上海仓"), WarehouseFactory(code="GZ", name="广州仓")


def stock(product, warehouse, quantity, days_ago=1):
    return stock_receive(product=product, warehouse=warehouse, quantity=quantity, notify=False,
                         received_at=timezone.now() - timedelta(days=days_ago))


def allocated(staff, lines, **details):
    order = make_order(user=staff["sales"], customer=CustomerFactory(credit_limit=10**9), lines=lines, **details)
    order_services.order_approve(order=order, user=staff["reviewer"])
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    return order


def allocated_four_of_a_product_in_stock(staff, stocked):
    """An allocated order of 4 of a product stocked ``[(warehouse, quantity), …]``, the first
    received longest ago (FIFO allocates from it)."""
    product = ProductFactory()
    for age, (warehouse, quantity) in enumerate(reversed(stocked), start=1):
        stock(product, warehouse, quantity, days_ago=age)
    return allocated(staff, [(product, 4, "100.00")])


def active_warehouses(order):
    return {a.batch.warehouse.code: a.quantity
            for a in StockAllocation.objects.filter(order_line__order=order, state="active").select_related("batch__warehouse")}


def test_changing_the_warehouse_before_picking_reallocates_from_it_with_a_timeline_entry(staff, two_warehouses):
    shanghai, guangzhou = two_warehouses
    order = allocated_four_of_a_product_in_stock(staff, [(shanghai, 10), (guangzhou, 10)])
    assert active_warehouses(order) == {"SH": 4}

    ff.order_change_warehouse(order=order, warehouse=guangzhou, user=staff["warehouse"], reason="离客户更近")

    order.refresh_from_db()
    assert active_warehouses(order) == {"GZ": 4}
    assert order.status == OrderStatus.ALLOCATED
    assert "广州仓" in order.warehouse_note and "指定" in order.warehouse_note
    assert set(StockBatch.objects.values_list("warehouse__code", "quantity_allocated")) == {("SH", 0), ("GZ", 4)}
    event = order.events.get(action="change_warehouse")
    assert event.reason == "发货仓改为 广州仓：离客户更近" and event.data["warehouse"] == "GZ"


def test_a_warehouse_that_cannot_serve_the_order_changes_nothing(staff, two_warehouses):
    shanghai, guangzhou = two_warehouses
    order = allocated_four_of_a_product_in_stock(staff, [(shanghai, 10), (guangzhou, 2)])

    with pytest.raises(InsufficientStock):
        ff.order_change_warehouse(order=order, warehouse=guangzhou, user=staff["warehouse"])

    assert active_warehouses(order) == {"SH": 4}
    assert not order.events.filter(action="change_warehouse").exists()


def test_the_warehouse_cannot_change_once_a_pick_list_exists_or_by_a_clerk_without_picking_rights(staff, two_warehouses):
    shanghai, guangzhou = two_warehouses
    order = allocated_four_of_a_product_in_stock(staff, [(shanghai, 10), (guangzhou, 10)])

    with pytest.raises(ActionForbidden):
        ff.order_change_warehouse(order=order, warehouse=guangzhou, user=staff["sales"])
    ff.pick_list_create(order=order, user=staff["warehouse"])
    with pytest.raises(InvalidTransition, match="拣货单"):
        ff.order_change_warehouse(order=order, warehouse=guangzhou, user=staff["warehouse"])


def test_the_order_page_offers_the_change_and_the_form_reallocates(client, staff, two_warehouses):
    shanghai, guangzhou = two_warehouses
    order = allocated_four_of_a_product_in_stock(staff, [(shanghai, 10), (guangzhou, 10)])
    client.force_login(staff["warehouse"])

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-testid="change-warehouse"' in page and 'data-testid="warehouse-note"' in page

    client.post(reverse("fulfillment:order_warehouse_change", args=[order.number]), {"warehouse": guangzhou.pk})
    assert active_warehouses(order) == {"GZ": 4}


def test_an_order_split_over_two_warehouses_gets_a_pick_list_per_warehouse(staff, two_warehouses):
    shanghai, guangzhou = two_warehouses
    product = ProductFactory()
    stock(product, guangzhou, 3)
    stock(product, shanghai, 5)
    warehouse_rule_save(user=None, name="华南", province="广东省", warehouses=parse_warehouse_codes("GZ, SH"))
    order = allocated(staff, [(product, 6, "100.00")], ship_province="广东省", ship_city="广州市")
    assert active_warehouses(order) == {"GZ": 3, "SH": 3}
    everything = {a.pk: a.quantity for a in ff.pickable_allocations(order)}

    with pytest.raises(InvalidInput, match="一个仓库"):
        ff.pick_list_create(order=order, user=staff["warehouse"], quantities=everything)
    first = ff.pick_list_create(order=order, user=staff["warehouse"])
    second = ff.pick_list_create(order=order, user=staff["warehouse"])

    assert (first.warehouse.code, first.total_quantity) == ("GZ", 3)
    assert (second.warehouse.code, second.total_quantity) == ("SH", 3)
    assert {line.batch.warehouse_id for line in first.lines.all()} == {guangzhou.pk}
