"""Purchase orders: approval above the policy amount, raised from purchase requests, receipt
line by line with the incoming check, and the waiting orders allocated on receipt."""

from decimal import Decimal

import pytest

from inventory.models import PurchaseRequest, StockBatch, StockMovement
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.policies import policy_update
from orders import services as order_services
from orders.models import OrderStatus
from purchasing.models import PurchaseOrderStatus, SupplierReturn
from purchasing.policies import PURCHASE_APPROVAL_AMOUNT
from purchasing.services import (
    purchase_order_approve, purchase_order_cancel, purchase_order_from_requests, purchase_order_receive_line,
    supplier_return_ship,
)
from servicedesk.models import StaffNotification
from tests.factories import ProductFactory, make_order, user_with_role

from .factories import approved_supplier, place_order, quarantine_warehouse, receiving_warehouse

pytestmark = pytest.mark.django_db


def waiting_order(product, quantity):
    """An approved order that found no stock: it waits, with a purchase request."""
    order = order_services.order_approve(order=make_order(lines=[(product, quantity, "10.00")]), user=None)
    assert order.status == OrderStatus.APPROVED
    return order


def test_an_order_within_the_approval_amount_is_placed_at_once_and_above_it_waits_for_a_manager():
    manager, buyer = user_with_role(roles.MANAGER), user_with_role(roles.WAREHOUSE)
    policy_update(user=manager, definition=PURCHASE_APPROVAL_AMOUNT, value="5000", reason="测试")
    product = ProductFactory()
    supplier = approved_supplier(products=[product])
    small = place_order(supplier, [(product, 500, "10.00")], user=buyer)  # exactly 5,000.00
    assert (small.status, small.total) == (PurchaseOrderStatus.ORDERED, Decimal("5000.00"))
    large = place_order(supplier, [(product, 501, "10.00")], user=buyer)
    assert large.status == PurchaseOrderStatus.PENDING_APPROVAL
    assert StaffNotification.objects.filter(recipient=manager, kind="purchase_order_approval").exists()
    with pytest.raises(ActionForbidden):
        purchase_order_approve(purchase_order=large, user=buyer)
    with pytest.raises(InvalidTransition):
        purchase_order_receive_line(line=large.lines.get(), user=buyer, accepted=1)
    approved = purchase_order_approve(purchase_order=large, user=manager)
    assert (approved.status, approved.approved_by) == (PurchaseOrderStatus.ORDERED, manager)
    assert large.number != small.number and large.number.startswith("PO")


def test_a_purchase_order_from_several_requests_has_one_line_per_product_and_marks_them_ordered():
    apple, pear = ProductFactory(sku="APPLE"), ProductFactory(sku="PEAR")
    for product, quantity in ((apple, 3), (apple, 4), (pear, 2)):
        waiting_order(product, quantity)
    requests = list(PurchaseRequest.objects.all())
    supplier = approved_supplier(products=[apple, pear], price="8.50")
    purchase_order = purchase_order_from_requests(user=user_with_role(roles.WAREHOUSE), requests=requests,
                                                  supplier=supplier, warehouse=receiving_warehouse())
    lines = list(purchase_order.lines.order_by("line_no"))
    assert [(line.product.sku, line.quantity, line.unit_price) for line in lines] == [
        ("APPLE", 7, Decimal("8.50")), ("PEAR", 2, Decimal("8.50"))]
    assert set(PurchaseRequest.objects.values_list("state", flat=True)) == {"ordered"}
    with pytest.raises(InvalidInput, match="不能再下采购单"):
        purchase_order_from_requests(user=None, requests=requests, supplier=supplier, warehouse=receiving_warehouse())
    purchase_order_cancel(purchase_order=purchase_order, user=None, reason="供应商缺货")
    assert set(PurchaseRequest.objects.values_list("state", flat=True)) == {"open"}


def test_requests_for_a_product_the_supplier_does_not_list_are_refused_clearly():
    product = ProductFactory(sku="NOPRICE")
    waiting_order(product, 2)
    with pytest.raises(InvalidInput, match="没有登记这些商品的采购价：NOPRICE"):
        purchase_order_from_requests(user=None, requests=list(PurchaseRequest.objects.all()),
                                     supplier=approved_supplier(), warehouse=receiving_warehouse())


def test_partial_receipt_then_the_rest_closes_the_order_at_the_purchase_price():
    product = ProductFactory()
    purchase_order = place_order(approved_supplier(), [(product, 10, "12.34")])
    line = purchase_order.lines.get()
    clerk = user_with_role(roles.WAREHOUSE)
    receipt = purchase_order_receive_line(line=line, user=clerk, accepted=4)
    purchase_order.refresh_from_db()
    assert purchase_order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert (receipt.batch.quantity_received, receipt.batch.unit_cost) == (4, Decimal("12.34"))
    assert StockMovement.objects.get(batch=receipt.batch).reason == f"采购单 {purchase_order.number} 第1行到货"
    with pytest.raises(InvalidInput, match="还差 6 件到货，本次登记 7 件超出采购数量"):
        purchase_order_receive_line(line=line, user=clerk, accepted=7)
    purchase_order_receive_line(line=line, user=clerk, accepted=6)
    purchase_order.refresh_from_db()
    assert purchase_order.status == PurchaseOrderStatus.RECEIVED and purchase_order.closed_at
    with pytest.raises(InvalidTransition):
        purchase_order_receive_line(line=line, user=clerk, accepted=1)
    with pytest.raises(InvalidTransition):
        purchase_order_cancel(purchase_order=purchase_order, user=None, reason="晚了")


def test_goods_failing_the_incoming_check_go_to_quarantine_with_a_return_to_the_supplier():
    product = ProductFactory()
    quarantine = quarantine_warehouse()
    supplier = approved_supplier()
    purchase_order = place_order(supplier, [(product, 10, "5.00")])
    line = purchase_order.lines.get()
    clerk = user_with_role(roles.WAREHOUSE)
    with pytest.raises(InvalidInput, match="必须填写检验记录"):
        purchase_order_receive_line(line=line, user=clerk, accepted=7, rejected=3)
    receipt = purchase_order_receive_line(line=line, user=clerk, accepted=7, rejected=3, qc_note="外包装破损受潮")
    assert receipt.quarantine_batch.warehouse == quarantine and receipt.quarantine_batch.quantity_remaining == 3
    assert receipt.batch.warehouse == purchase_order.warehouse and receipt.batch.quantity_remaining == 7
    assert ProductFactory._meta.model.objects.with_stock().get(pk=product.pk).available == 7
    returned = SupplierReturn.objects.get()
    assert (returned.supplier, returned.quantity, returned.reason, returned.status) == (supplier, 3, "外包装破损受潮", "pending")
    line.refresh_from_db()
    purchase_order.refresh_from_db()
    # The 3 rejected are still owed by the supplier.
    assert (line.quantity_outstanding, purchase_order.status) == (3, PurchaseOrderStatus.PARTIALLY_RECEIVED)

    supplier_return_ship(supplier_return=returned, user=clerk)
    receipt.quarantine_batch.refresh_from_db()
    assert receipt.quarantine_batch.quantity_remaining == 0
    assert SupplierReturn.objects.get().status == "returned"
    with pytest.raises(InvalidInput, match="已办理"):
        supplier_return_ship(supplier_return=returned, user=clerk)


def test_a_rejection_without_a_quarantine_warehouse_is_refused_and_nothing_is_received():
    product = ProductFactory()
    line = place_order(approved_supplier(), [(product, 10, "5.00")]).lines.get()
    with pytest.raises(InvalidInput, match="没有启用的隔离仓"):
        purchase_order_receive_line(line=line, user=None, accepted=5, rejected=5, qc_note="破损")
    assert not StockBatch.objects.exists()


def test_receipt_allocates_waiting_orders_and_closes_the_requests_it_covers(django_capture_on_commit_callbacks):
    product = ProductFactory()
    first, second = waiting_order(product, 4), waiting_order(product, 6)
    requests = list(PurchaseRequest.objects.order_by("id"))
    purchase_order = purchase_order_from_requests(user=None, requests=requests,
                                                  supplier=approved_supplier(products=[product]),
                                                  warehouse=receiving_warehouse())
    line = purchase_order.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = purchase_order_receive_line(line=line, user=None, accepted=4)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (OrderStatus.ALLOCATED, OrderStatus.APPROVED)
    states = dict(PurchaseRequest.objects.values_list("order_id", "state"))
    assert states == {first.pk: "received", second.pk: "ordered"}
    assert PurchaseRequest.objects.get(order=first).received_batch == receipt.batch
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_receive_line(line=line, user=None, accepted=6)
    second.refresh_from_db()
    assert second.status == OrderStatus.ALLOCATED
    assert set(PurchaseRequest.objects.values_list("state", flat=True)) == {"received"}


def test_a_role_without_the_permission_cannot_order_or_receive():
    product = ProductFactory()
    supplier = approved_supplier()
    sales = user_with_role(roles.SALES)
    with pytest.raises(ActionForbidden):
        place_order(supplier, [(product, 1, "1.00")], user=sales)
    line = place_order(supplier, [(product, 1, "1.00")]).lines.get()
    with pytest.raises(ActionForbidden):
        purchase_order_receive_line(line=line, user=user_with_role(roles.PRODUCTION), accepted=1)


def test_a_request_on_a_purchase_order_is_received_on_the_order_not_on_the_request():
    from inventory.services import purchase_request_receive

    product = ProductFactory()
    waiting_order(product, 3)
    request = PurchaseRequest.objects.get()
    purchase_order = purchase_order_from_requests(user=None, requests=[request], supplier=approved_supplier(products=[product]),
                                                  warehouse=receiving_warehouse())
    with pytest.raises(InvalidInput, match=f"已在采购单 {purchase_order.number} 中，请在采购单上做到货验收"):
        purchase_request_receive(request=request, warehouse=receiving_warehouse(), quantity=3)
    assert not StockBatch.objects.exists()


def test_the_manager_who_drew_up_a_purchase_order_cannot_approve_it_another_manager_can():
    author, colleague = user_with_role(roles.MANAGER), user_with_role(roles.MANAGER)
    policy_update(user=author, definition=PURCHASE_APPROVAL_AMOUNT, value="1000", reason="测试")
    product = ProductFactory()
    large = place_order(approved_supplier(products=[product]), [(product, 200, "10.00")], user=author)
    assert large.status == PurchaseOrderStatus.PENDING_APPROVAL
    with pytest.raises(ActionForbidden, match="另一位主管"):
        purchase_order_approve(purchase_order=large, user=author)
    approved = purchase_order_approve(purchase_order=large, user=colleague)
    assert (approved.status, approved.approved_by, approved.created_by) == (PurchaseOrderStatus.ORDERED, colleague, author)
