"""The purchasing pages: thin views over the services, each open to the roles that do the job."""

import pytest
from django.urls import reverse

from inventory.models import PurchaseRequest
from ordermgmt import roles
from ordermgmt.policies import policy_update
from orders import services as order_services
from purchasing.models import PurchaseOrder, PurchaseOrderStatus, ReplenishmentProposal, ReplenishmentRule, Supplier
from purchasing.policies import PURCHASE_APPROVAL_AMOUNT
from tests.factories import ProductFactory, WarehouseFactory, make_order, user_with_role

from .factories import approved_supplier, credit_code, place_order, png_upload, quarantine_warehouse, receiving_warehouse

pytestmark = pytest.mark.django_db


def test_a_buyer_registers_a_supplier_and_a_wrong_credit_code_is_shown_on_the_form(client):
    client.force_login(user_with_role(roles.WAREHOUSE))
    refused = client.post(reverse("purchasing:supplier_new"), {"name": "错误代码公司", "credit_code": "91110108551385082A"})
    assert "校验位不正确" in refused.content.decode()
    response = client.post(reverse("purchasing:supplier_new"), {"name": "新华五金", "credit_code": credit_code()})
    supplier = Supplier.objects.get(name="新华五金")
    assert response.status_code == 302 and supplier.status == "pending"
    client.post(reverse("purchasing:qualification_upload", args=[supplier.pk]),
                {"name": "营业执照", "expires_on": "2099-01-01", "document": png_upload()})
    assert supplier.qualifications.count() == 1
    assert client.post(reverse("purchasing:supplier_action", args=[supplier.pk, "approve"])).status_code == 403
    client.force_login(user_with_role(roles.MANAGER))
    client.post(reverse("purchasing:supplier_action", args=[supplier.pk, "approve"]))
    supplier.refresh_from_db()
    assert supplier.status == "approved"
    assert "营业执照" in client.get(reverse("purchasing:supplier", args=[supplier.pk])).content.decode()


def test_a_purchase_order_by_hand_then_received_on_its_page_and_printed(client):
    clerk = user_with_role(roles.WAREHOUSE)
    client.force_login(clerk)
    product = ProductFactory(sku="HAND1")
    supplier, warehouse = approved_supplier(name="手工供应商"), receiving_warehouse()
    quarantine_warehouse()
    response = client.post(reverse("purchasing:purchase_order_new"), {
        "supplier": supplier.pk, "warehouse": warehouse.pk, "expected_date": "2026-12-20", "note": "",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk, "lines-0-quantity": "10", "lines-0-unit_price": "6.50",
        "lines-1-product": "", "lines-1-quantity": "", "lines-1-unit_price": "",
    })
    purchase_order = PurchaseOrder.objects.get()
    assert response.status_code == 302 and purchase_order.status == "ordered"
    line = purchase_order.lines.get()
    client.post(reverse("purchasing:purchase_order_receive", args=[purchase_order.pk, line.pk]),
                {"accepted": "6", "rejected": "2", "qc_note": "划痕"})
    purchase_order.refresh_from_db()
    assert purchase_order.status == "partially_received"
    detail = client.get(reverse("purchasing:purchase_order", args=[purchase_order.pk])).content.decode()
    assert "划痕" in detail and "退货出库" in detail
    printed = client.get(reverse("purchasing:purchase_order_print", args=[purchase_order.pk])).content.decode()
    assert purchase_order.number in printed and "手工供应商" in printed and "65.00" in printed


def test_a_purchase_order_from_requests_on_the_portal(client):
    product = ProductFactory()
    order_services.order_approve(order=make_order(lines=[(product, 3, "10.00")]), user=None)
    request = PurchaseRequest.objects.get()
    supplier = approved_supplier(products=[product])
    client.force_login(user_with_role(roles.WAREHOUSE))
    page = client.get(reverse("purchasing:purchase_order_from_requests")).content.decode()
    assert request.number in page
    client.post(reverse("purchasing:purchase_order_from_requests"),
                {"supplier": supplier.pk, "warehouse": receiving_warehouse().pk, "requests": [request.pk]})
    assert PurchaseOrder.objects.get().lines.get().quantity == 3


def test_the_manager_accepts_a_proposal_on_the_replenishment_page(client):
    product, warehouse = ProductFactory(), WarehouseFactory(code="WH-P")
    manager = user_with_role(roles.MANAGER)
    client.force_login(manager)
    client.post(reverse("purchasing:rule_new"), {"product": product.pk, "warehouse": warehouse.pk, "safety_stock": "5",
                                                 "reorder_point": "10", "reorder_quantity": "40", "max_stock": ""})
    assert ReplenishmentRule.objects.get().reorder_point == 10
    from purchasing.services import replenishment_propose

    (proposal,) = replenishment_propose()
    assert str(product.sku) in client.get(reverse("purchasing:proposals")).content.decode()
    client.post(reverse("purchasing:proposal_action", args=[proposal.pk, "accept"]))
    assert ReplenishmentProposal.objects.get().purchase_request.quantity == 40


@pytest.mark.parametrize("role, status", [(roles.SALES, 403), (roles.PRODUCTION, 200), (roles.ANALYST, 200),
                                          (roles.WAREHOUSE, 200)])
def test_who_sees_the_purchase_orders(client, role, status):
    client.force_login(user_with_role(role))
    assert client.get(reverse("purchasing:home")).status_code == status


def test_the_purchase_order_page_offers_the_approval_to_another_manager_not_to_its_author(client):
    author, colleague = user_with_role(roles.MANAGER), user_with_role(roles.MANAGER)
    policy_update(user=author, definition=PURCHASE_APPROVAL_AMOUNT, value="1000", reason="测试")
    product = ProductFactory()
    po = place_order(approved_supplier(products=[product]), [(product, 200, "10.00")], user=author)
    url = reverse("purchasing:purchase_order", args=[po.pk])
    client.force_login(author)
    page = client.get(url).content.decode()
    assert "需由另一位主管审批" in page and 'data-action="approve"' not in page
    client.force_login(colleague)
    assert 'data-action="approve"' in client.get(url).content.decode()
    client.post(reverse("purchasing:purchase_order_action", args=[po.pk, "approve"]))
    po.refresh_from_db()
    assert (po.status, po.approved_by) == (PurchaseOrderStatus.ORDERED, colleague)
