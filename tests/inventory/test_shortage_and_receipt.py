"""Shortage → purchase request → receipt → waiting orders allocated by priority."""


import pytest
from django.urls import reverse

from customers.models import CustomerLevel
from inventory.models import PurchaseRequest, StockBatch, StockMovement
from inventory.services import (
    purchase_request_cancel,
    purchase_request_mark_ordered,
    purchase_request_receive,
    stock_adjust,
    stock_receive,
)
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InsufficientStock, InvalidInput
from orders import services
from orders.models import OrderStatus
from tests.factories import CustomerFactory, ProductFactory, WarehouseFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


def approved(product, quantity, **kwargs):
    order = make_order(lines=[(product, quantity, "10.00")], **kwargs)
    return services.order_approve(order=order, user=None)


def test_shortage_keeps_the_order_approved_and_raises_a_purchase_request():
    product = ProductFactory()
    receive(product, 3)
    order = approved(product, 5, priority="urgent")
    assert order.status == OrderStatus.APPROVED
    request = PurchaseRequest.objects.get()
    assert (request.product, request.quantity, request.order, request.is_urgent) == (product, 2, order, True)
    assert order.events.get(action="shortage").reason.startswith("库存不足")
    assert sum(StockBatch.objects.values_list("quantity_allocated", flat=True)) == 0

    # Trying again does not raise a second request.
    with pytest.raises(InsufficientStock) as error:
        services.order_allocate(order=order, user=user_with_role(roles.WAREHOUSE))
    assert "缺 2" in str(error.value)
    assert PurchaseRequest.objects.count() == 1


def test_receipt_allocates_waiting_orders_in_priority_order(django_capture_on_commit_callbacks):
    product = ProductFactory()
    normal = approved(product, 4)
    vip = approved(product, 4, customer=CustomerFactory(level=CustomerLevel.VIP))
    urgent = approved(product, 4, priority="urgent")
    assert PurchaseRequest.objects.count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        stock_receive(product=product, warehouse=WarehouseFactory(code="WH-A"), quantity=8)

    for order in (normal, vip, urgent):
        order.refresh_from_db()
    assert (urgent.status, vip.status, normal.status) == ("allocated", "allocated", "approved")
    assert urgent.events.get(action="allocate").reason == "到货后自动分配"
    assert set(PurchaseRequest.objects.filter(state="cancelled").values_list("order", flat=True)) == {urgent.pk, vip.pk}


def test_receiving_against_a_request_closes_it_and_allocates(django_capture_on_commit_callbacks):
    product = ProductFactory()
    order = approved(product, 5)
    request = PurchaseRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        batch = purchase_request_receive(request=request, warehouse=WarehouseFactory(code="WH-B"), quantity=5)
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.state == "received" and request.received_batch == batch
    assert order.status == OrderStatus.ALLOCATED
    with pytest.raises(InvalidInput):
        purchase_request_receive(request=request, warehouse=batch.warehouse, quantity=1)


def test_stock_count_adjustment_is_logged_and_cannot_take_allocated_goods():
    product = ProductFactory()
    batch = receive(product, 10)
    make_order_allocated = approved(product, 6)
    assert make_order_allocated.status == OrderStatus.ALLOCATED
    with pytest.raises(InvalidInput):
        stock_adjust(batch=batch, counted_quantity=5, reason="盘亏")
    with pytest.raises(InvalidInput):
        stock_adjust(batch=batch, counted_quantity=8, reason="")
    movement = stock_adjust(batch=batch, counted_quantity=8, reason="月末盘点盘亏2件", user=None)
    batch.refresh_from_db()
    assert (batch.quantity_remaining, batch.quantity_allocated, movement.quantity) == (8, 6, -2)
    assert StockMovement.objects.filter(kind="adjustment").get().reason == "月末盘点盘亏2件"


def test_inventory_pages_for_the_warehouse(client, django_capture_on_commit_callbacks):
    product = ProductFactory(safety_stock=20)
    receive(product, 5, days_ago=40)
    order = approved(product, 8)
    request = PurchaseRequest.objects.get()
    client.force_login(user_with_role(roles.WAREHOUSE))

    well_stocked = ProductFactory(safety_stock=1)
    receive(well_stocked, 50)
    low = client.get(reverse("inventory:stock"), {"low": "1"}).content.decode()
    assert product.sku in low and "低库存" in low
    assert well_stocked.sku not in low  # the filter shows only products below their safety stock
    assert well_stocked.sku in client.get(reverse("inventory:stock")).content.decode()
    detail = client.get(reverse("inventory:product", args=[product.pk])).content.decode()
    assert request.number in detail and "40" in detail  # batch age in days
    batches = client.get(reverse("inventory:batches")).content.decode()
    assert product.sku in batches
    assert request.number in client.get(reverse("inventory:purchase_requests")).content.decode()

    warehouse = WarehouseFactory(code="WH-C")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inventory:receive"), {
            "product": product.pk, "warehouse": warehouse.pk, "quantity": "10", "purchase_request": request.pk,
        })
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED


def test_receipt_form_refuses_a_request_of_another_product(client):
    product, other = ProductFactory(), ProductFactory()
    approved(product, 3)
    request = PurchaseRequest.objects.get()
    client.force_login(user_with_role(roles.WAREHOUSE))
    response = client.post(reverse("inventory:receive"), {
        "product": other.pk, "warehouse": WarehouseFactory(code="WH-D").pk, "quantity": "3", "purchase_request": request.pk,
    })
    assert response.status_code == 200 and "与所选商品不一致" in response.content.decode()
    assert not StockBatch.objects.filter(product=other).exists()


def test_only_stock_keepers_receive_goods(client):
    client.force_login(user_with_role(roles.SALES))
    assert client.get(reverse("inventory:receive")).status_code == 403
    assert client.post(reverse("inventory:receive"), {}).status_code == 403


def test_only_stock_keepers_move_a_purchase_request_along():
    product = ProductFactory()
    approved(product, 4)
    request = PurchaseRequest.objects.get()
    with pytest.raises(ActionForbidden):
        purchase_request_mark_ordered(request=request, user=user_with_role(roles.SALES))
    with pytest.raises(ActionForbidden):
        purchase_request_cancel(request=request, user=user_with_role(roles.SALES), reason="不需要了")
    ordered = purchase_request_mark_ordered(request=request, user=user_with_role(roles.WAREHOUSE), note="已向供应商下单")
    assert ordered.state == PurchaseRequest.State.ORDERED and "已向供应商下单" in ordered.note
    with pytest.raises(InvalidInput, match="必须填写原因"):
        purchase_request_cancel(request=ordered, user=user_with_role(roles.WAREHOUSE), reason=" ")
    cancelled = purchase_request_cancel(request=ordered, user=user_with_role(roles.WAREHOUSE), reason="客户改单")
    assert cancelled.state == PurchaseRequest.State.CANCELLED and "取消：客户改单" in cancelled.note


def test_marking_a_purchase_request_ordered_records_when_the_goods_are_expected(client):
    from datetime import date

    product = ProductFactory()
    approved(product, 4)
    request = PurchaseRequest.objects.get()
    client.force_login(user_with_role(roles.WAREHOUSE))
    response = client.post(reverse("inventory:purchase_request_action", args=[request.pk, "ordered"]),
                           {"expected_date": "2026-12-18"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.expected_date) == (PurchaseRequest.State.ORDERED, date(2026, 12, 18))
    assert "预计到货 2026-12-18" in client.get(reverse("inventory:purchase_requests") + "?state=ordered").content.decode()


def test_automatic_batch_numbers_count_per_product_and_day_and_pass_over_numbers_typed_by_hand():
    from django.utils import timezone

    product, other = ProductFactory(sku="BN-1"), ProductFactory(sku="BN-2")
    warehouse = WarehouseFactory(code="WH-N")
    prefix = f"B{timezone.localdate():%Y%m%d}-BN-1-"

    def auto(item=product):
        return stock_receive(product=item, warehouse=warehouse, quantity=1).batch_no

    assert auto() == f"{prefix}001"
    assert auto(other).endswith("-BN-2-001")
    stock_receive(product=product, warehouse=warehouse, quantity=1, batch_no=f"{prefix}003")
    assert [auto(), auto()] == [f"{prefix}002", f"{prefix}004"]


def test_a_batch_number_typed_twice_is_refused_with_a_message():
    product, warehouse = ProductFactory(), WarehouseFactory(code="WH-N")
    stock_receive(product=product, warehouse=warehouse, quantity=1, batch_no="LOT-7")
    with pytest.raises(InvalidInput, match="批次号 LOT-7 已存在"):
        stock_receive(product=product, warehouse=warehouse, quantity=1, batch_no="LOT-7")


@pytest.mark.django_db(transaction=True)
def test_a_saved_receipt_is_reported_saved_even_if_the_allocation_after_it_fails(client, reference_data, monkeypatch):
    """The allocation of waiting orders runs after the receipt commits; a broker that is
    down is logged and the work waits in its delivery row, the clerk still learns the goods
    are in."""
    from ordermgmt.models import EventDelivery
    from ordermgmt.tasks import deliver_domain_event

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis unavailable")

    monkeypatch.setattr(deliver_domain_event, "apply_async", broker_down)
    product, warehouse = ProductFactory(), WarehouseFactory(code="WH-E")
    approved(product, 2)
    client.force_login(user_with_role(roles.WAREHOUSE))

    response = client.post(reverse("inventory:receive"), {
        "product": product.pk, "warehouse": warehouse.pk, "quantity": "5",
    }, follow=True)

    assert response.status_code == 200
    assert "已入库" in response.content.decode()
    assert StockBatch.objects.get(product=product).quantity_received == 5
    delivery = EventDelivery.objects.get(event="stock.received")
    assert delivery.status == EventDelivery.Status.PENDING, "kept for redelivery once the broker is back"
