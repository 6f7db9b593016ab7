"""A channel cancels its orders by the portal's rules and changes the delivery of an order
not yet approved; payments recorded by an ERP go through the same settlement service."""

from decimal import Decimal

import pytest

from aftersales.models import AfterSalesCase
from orders.models import OrderStatus

from .conftest import Api, approve, make_channel, push, ship

pytestmark = pytest.mark.django_db


def test_cancelling_before_shipment_cancels_and_releases_the_stock(api, shop):
    order = approve(push(api))
    assert order.status == OrderStatus.ALLOCATED
    response = api.post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "买家取消"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled" and response.json()["return_case"] is None
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert not order.lines.get().allocations.filter(state="active").exists()
    assert "买家取消" in order.events.get(action="cancel").reason


def test_cancelling_after_shipment_opens_the_return_by_the_cancellation_policy(api, shop):
    order = push(api)
    ship(order)
    body = api.post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "买家拒收"}).json()
    case = AfterSalesCase.objects.get(order=order)
    assert body["status"] == "after_sales"
    assert body["return_case"] == {"number": case.number, "refund_computation": case.refund_computation}
    assert "已出库取消" in case.refund_computation


def test_a_finished_order_cannot_be_cancelled_and_says_why(api, shop):
    order = push(api)
    api.post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "第一次"})
    again = api.post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "第二次"})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert "已取消" in again.json()["message"]
    assert api.post(f"/api/v1/orders/{order.number}/cancel/", {}).status_code == 400


def test_the_delivery_changes_before_approval_and_the_order_is_priced_again(api, shop):
    order = push(api)
    response = api.patch(f"/api/v1/orders/{order.number}/delivery/",
                         {"contact_name": "赵六", "contact_phone": "021-66668888", "province": "北京市", "city": "北京市",
                          "district": "朝阳区", "address": "建国路1号"})
    assert response.status_code == 200, response.content
    assert response.json()["delivery"]["address"] == "建国路1号"
    order.refresh_from_db()
    assert (order.contact_name, order.ship_province, order.status) == ("赵六", "北京市", OrderStatus.PENDING_REVIEW)
    assert order.events.filter(kind="edited").exists()


def test_the_delivery_of_an_approved_order_is_not_changed_through_the_api(api, shop):
    order = approve(push(api))
    response = api.patch(f"/api/v1/orders/{order.number}/delivery/", {"address": "新地址"})
    assert response.status_code == 409 and "审核通过后的订单不能通过接口修改收货信息" in response.json()["message"]
    order.refresh_from_db()
    assert order.ship_address == "张江路100号" and order.status == OrderStatus.ALLOCATED


def test_a_phone_the_portal_refuses_is_refused_here_with_the_same_message(api, shop):
    order = push(api)
    response = api.patch(f"/api/v1/orders/{order.number}/delivery/", {"contact_phone": "12345"})
    assert response.status_code == 422 and "电话" in response.json()["message"]


def test_a_channel_changes_only_its_own_orders(client, api, shop):
    order = push(api)
    _other, token = make_channel(name="京东自营", code="jd-shop-1", scopes=["orders:read_all", "orders:write"])
    response = Api(client, token).post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "不是我的"})
    assert response.status_code == 404


def test_an_erp_records_a_payment_once_per_key_and_never_beyond_the_balance(client, shop):
    _shop, shop_token = make_channel()
    order = push(Api(client, shop_token))
    _erp, token = make_channel(name="金蝶 ERP", code="kingdee", scopes=["orders:read_all", "payments:write"])
    erp = Api(client, token)
    path = f"/api/v1/orders/{order.number}/payments/"
    first = erp.post(path, {"amount": "100.00", "reference": "BANK-1"}, key="pay-1")
    assert first.status_code == 201 and first.json()["balance_due"] == "126.00"
    assert erp.post(path, {"amount": "100.00", "reference": "BANK-1"}, key="pay-1").content == first.content
    too_much = erp.post(path, {"amount": "500.00"})
    assert too_much.status_code == 422 and "超过订单应收余额" in too_much.json()["message"]
    order.refresh_from_db()
    assert order.paid_amount == Decimal("100.00") and order.payments.count() == 1
