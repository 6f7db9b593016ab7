"""The order state machine, driven through the services as the portal drives it."""

from decimal import Decimal

import pytest

from inventory.models import StockAllocation, StockBatch, StockType
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from orders import services
from orders.models import Order, OrderEvent, OrderStatus
from tests.factories import ProductFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db

ALL_ACTIONS = list(services.SERVICES)


@pytest.fixture
def staff(db):
    return {
        "sales": user_with_role(roles.SALES),
        "reviewer": user_with_role(roles.REVIEWER),
        "warehouse": user_with_role(roles.WAREHOUSE),
        "production": user_with_role(roles.PRODUCTION),
        "logistics": user_with_role(roles.LOGISTICS),
        "service": user_with_role(roles.SERVICE),
        "aftersales": user_with_role(roles.AFTER_SALES),
        "manager": user_with_role(roles.MANAGER),
    }


def walk(order, steps, user):
    for step in steps:
        services.SERVICES[step](order=order, user=user)
    order.refresh_from_db()
    return order


def _stocked_order(staff, quantity=2, stock=10):
    product = ProductFactory(list_price=Decimal("100.00"))
    receive(product, stock)
    return make_order(user=staff["sales"], lines=[(product, quantity, "100.00")]), product


def test_happy_path_from_entry_to_completion_records_every_step(staff):
    order, product = _stocked_order(staff)
    order = services.order_approve(order=order, user=staff["reviewer"])
    assert order.status == OrderStatus.ALLOCATED, "a 现货 order gets its stock locked on approval"
    order = services.order_ship(order=order, user=staff["warehouse"])
    order = services.order_start_transit(order=order, user=staff["logistics"])
    order = services.order_deliver(order=order, user=staff["logistics"])
    order = services.order_complete(order=order, user=staff["service"])

    assert order.status == OrderStatus.COMPLETED
    events = list(order.events.order_by("id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "pending_review"),
        ("pending_review", "approved"),
        ("approved", "allocated"),
        ("allocated", "shipped"),
        ("shipped", "in_transit"),
        ("in_transit", "delivered"),
        ("delivered", "completed"),
    ]
    assert [e.actor for e in events] == [
        staff["sales"], staff["reviewer"], None, staff["warehouse"],
        staff["logistics"], staff["logistics"], staff["service"],
    ]
    batch = StockBatch.objects.get(product=product)
    assert (batch.quantity_remaining, batch.quantity_allocated) == (8, 0), "shipping consumes the stock"


def test_custom_order_goes_through_production(staff):
    product = ProductFactory(stock_type=StockType.CUSTOM)
    order = make_order(user=staff["sales"], lines=[(product, 3, "500.00")])
    assert order.is_custom, "an order with a 定制 product is a custom order"
    order = services.order_approve(order=order, user=staff["reviewer"])
    order = services.order_start_production(order=order, user=staff["production"])
    assert order.status == OrderStatus.IN_PRODUCTION
    receive(product, 3)
    order = services.order_finish_production(order=order, user=staff["production"])
    assert order.status == OrderStatus.ALLOCATED
    assert StockAllocation.objects.filter(order_line__order=order, state="active").count() == 1


def test_stock_order_cannot_enter_production(staff):
    order, _ = _stocked_order(staff)
    order = services.order_approve(order=order, user=staff["reviewer"])
    assert order.status == OrderStatus.ALLOCATED
    with pytest.raises(InvalidTransition):
        services.order_start_production(order=order, user=staff["manager"])
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_illegal_transition_is_refused_and_changes_nothing(staff, action):
    """From 待审核 only approve, reject and cancel are possible; from 已完成 only after-sales."""
    order, _ = _stocked_order(staff)
    legal_from_pending = {"approve", "reject", "cancel"}
    if action in legal_from_pending:
        # Walk it to 已完成, where these are illegal.
        walk(order, ["approve", "ship", "start_transit", "deliver", "complete"], staff["manager"])
        order.refresh_from_db()
    before_status = order.status
    before_events = OrderEvent.objects.filter(order=order).count()
    with pytest.raises(InvalidTransition) as error:
        services.SERVICES[action](order=order, user=staff["manager"], reason="测试原因")
    assert order.number in str(error.value)
    order.refresh_from_db()
    assert order.status == before_status
    assert OrderEvent.objects.filter(order=order).count() == before_events


def test_reject_needs_reason_then_edit_and_resubmit(staff):
    order, product = _stocked_order(staff)
    with pytest.raises(InvalidInput):
        services.order_reject(order=order, user=staff["reviewer"], reason="  ")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW

    order = services.order_reject(order=order, user=staff["reviewer"], reason="地址模糊：缺门牌号")
    assert order.status == OrderStatus.REJECTED and order.is_editable

    from tests.factories import details_for

    order = services.order_update(
        user=staff["sales"],
        order=order,
        details=details_for(order.customer, ship_address="张江路100号3号楼201室"),
        lines=[services.LineInput(product=product, quantity=4, unit_price=Decimal("90.00"), override_reason="老客户让利")],
    )
    assert order.ship_address == "张江路100号3号楼201室"
    assert order.total == Decimal("406.80")  # 4 × 90 = 360 + 13% VAT 46.80
    order = services.order_resubmit(order=order, user=staff["sales"])
    assert order.status == OrderStatus.PENDING_REVIEW
    kinds = list(order.events.order_by("id").values_list("action", flat=True))
    assert kinds == ["create", "reject", "edit", "price_override", "resubmit"]
    assert "老客户让利" in order.events.get(action="price_override").reason
    assert order.events.get(action="reject").reason == "地址模糊：缺门牌号"


def test_shipped_order_cannot_be_edited(staff):
    order, product = _stocked_order(staff)
    walk(order, ["approve", "ship"], staff["manager"])
    from tests.factories import details_for

    with pytest.raises(InvalidTransition):
        services.order_update(
            user=staff["sales"], order=order, details=details_for(order.customer),
            lines=[services.LineInput(product=product, quantity=1, unit_price=Decimal("1.00"))],
        )


def test_cancel_releases_locked_stock(staff):
    order, product = _stocked_order(staff, quantity=6, stock=10)
    services.order_approve(order=order, user=staff["reviewer"])
    assert StockBatch.objects.get(product=product).quantity_allocated == 6

    order = services.order_cancel(order=order, user=staff["sales"], reason="客户取消采购")
    assert order.status == OrderStatus.CANCELLED
    batch = StockBatch.objects.get(product=product)
    assert (batch.quantity_remaining, batch.quantity_allocated) == (10, 0)
    event = order.events.get(action="cancel")
    assert event.reason == "客户取消采购" and event.data["released_quantity"] == 6


def test_cancel_is_impossible_once_shipped(staff):
    order, product = _stocked_order(staff)
    walk(order, ["approve", "ship"], staff["manager"])
    with pytest.raises(InvalidTransition):
        services.order_cancel(order=order, user=staff["manager"], reason="太晚了")
    assert StockBatch.objects.get(product=product).quantity_remaining == 8


def test_after_sales_returns_to_previous_state(staff):
    order, _ = _stocked_order(staff)
    walk(order, ["approve", "ship", "start_transit", "deliver", "complete"], staff["manager"])
    order = services.order_open_after_sales(order=order, user=staff["aftersales"], reason="外包装破损")
    assert order.status == OrderStatus.AFTER_SALES
    order = services.order_close_after_sales(order=order, user=staff["aftersales"])
    assert order.status == OrderStatus.COMPLETED


@pytest.mark.parametrize(
    "role, action",
    [
        (roles.SALES, "approve"),
        (roles.WAREHOUSE, "approve"),
        (roles.REVIEWER, "allocate"),
        (roles.LOGISTICS, "cancel"),
        (roles.ANALYST, "reject"),
    ],
)
def test_wrong_role_is_refused_by_the_service(staff, role, action):
    if action == "allocate":
        # Without stock the approved order waits in 已审核 for a manual allocation.
        order = services.order_approve(order=make_order(user=staff["sales"]), user=staff["reviewer"])
        assert order.status == OrderStatus.APPROVED
    else:
        order, _ = _stocked_order(staff)
    before = order.status
    with pytest.raises(ActionForbidden):
        services.SERVICES[action](order=order, user=user_with_role(role), reason="试试")
    order.refresh_from_db()
    assert order.status == before


def test_status_cannot_be_assigned_directly(staff):
    order, _ = _stocked_order(staff)
    with pytest.raises(AttributeError):
        order.status = OrderStatus.COMPLETED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_REVIEW
