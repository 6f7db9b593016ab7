"""Editing an approved order sends it back to review: what fulfillment planned for it goes."""

from decimal import Decimal

import pytest

from fulfillment import services as ff
from fulfillment.models import PickListStatus, ProductionOrder, ProductionStatus
from inventory.models import StockAllocation, StockType
from ordermgmt.errors import InvalidTransition
from orders import services as order_services
from orders.models import OrderStatus
from tests.factories import ProductFactory, details_for, make_order
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db


def _edit(order, user, *, quantity):
    line = order.lines.get()
    order_services.order_update(
        user=user, order=order, details=details_for(order.customer),
        lines=[order_services.LineInput(product=line.product, quantity=quantity, unit_price=Decimal("100.00"),
                                        override_reason="测试指定价格")],
    )
    order.refresh_from_db()


def test_editing_an_approved_custom_order_withdraws_its_production_orders(staff):
    custom = ProductFactory(stock_type=StockType.CUSTOM, list_price=Decimal("100.00"))
    order = make_order(user=staff["sales"], lines=[(custom, 2, "100.00")])
    order_services.order_approve(order=order, user=staff["reviewer"])
    (first,) = ProductionOrder.objects.filter(order=order)

    _edit(order, staff["sales"], quantity=5)
    first.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW
    assert first.status == ProductionStatus.CANCELLED and first.order_line is None, "kept as history"
    assert order.events.filter(action="fulfillment_withdrawn", reason__contains=first.number).exists()

    order_services.order_approve(order=order, user=staff["reviewer"])
    new = ProductionOrder.objects.filter(order=order).exclude(pk=first.pk).get()
    assert (new.quantity, new.status) == (5, ProductionStatus.PLANNED)


def test_editing_an_allocated_order_withdraws_its_open_pick_list(staff):
    order = allocated_order(staff, lines=((2, 10),))
    pick_list = ff.pick_list_create(order=order, user=staff["warehouse"])
    _edit(order, staff["sales"], quantity=3)
    pick_list.refresh_from_db()
    assert pick_list.status == PickListStatus.CANCELLED
    assert order.status == OrderStatus.PENDING_REVIEW
    assert not StockAllocation.objects.filter(order_line__order=order, state="active").exists()


def test_an_order_with_goods_already_shipped_cannot_be_edited(staff, carrier):
    order = allocated_order(staff, lines=((4, 10),))
    (allocation,) = StockAllocation.objects.filter(order_line__order=order)
    ship_all(order, staff, carrier, quantities={allocation.pk: 1})
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED, "partly shipped"
    with pytest.raises(InvalidTransition) as error:
        _edit(order, staff["sales"], quantity=8)
    assert "已有商品出库" in str(error.value)
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED and order.lines.get().quantity == 4
