"""POST /api/v1/orders/: one order in the platform's terms, through the portal's services,
answered in one error shape, once per idempotency key and once per (channel, external_ref)."""

import json
from decimal import Decimal

import pytest

from customers.models import Customer
from integrations.models import ApiCallLog
from orders.models import Order, OrderEvent

from .conftest import make_channel, order_body

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"


def test_the_minimal_body_integration_scripts_send_creates_an_order_with_the_customers_delivery(api, shop):
    response = api.post(ORDERS, {"customer_code": "C00001", "external_ref": "TB-1", "lines": [{"sku": "P0001", "quantity": 2}]})
    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get(number=body["number"])
    assert body["status"] == order.status == "pending_review"
    assert (order.channel, order.channel_code, order.external_ref) == ("api", "taobao-shop-1", "TB-1")
    assert (order.contact_name, order.contact_phone, order.ship_address) == ("张三", "13812345678", "张江路100号")
    assert order.total == Decimal("226.00"), "priced by the rules: 2 × ¥100 + 13 % VAT"
    created = order.events.get(kind=OrderEvent.Kind.CREATED)
    assert "接口客户端“淘宝旗舰店”" in created.reason


def test_a_new_customer_given_by_full_details_is_created_through_the_customer_service(api, shop):
    details = {"name": "杭州新客户贸易有限公司", "contact_name": "李四", "contact_phone": "13900001111",
               "province": "浙江省", "city": "杭州市", "district": "西湖区", "address": "文三路1号"}
    body = order_body(customer_code=None, customer=details)
    del body["customer_code"]
    response = api.post(ORDERS, body)
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(name="杭州新客户贸易有限公司")
    assert customer.primary_contact.phone == "13900001111" and customer.default_address.city == "杭州市"
    order = Order.objects.get(number=response.json()["number"])
    assert order.customer == customer and order.ship_province == "浙江省"
    again = api.post(ORDERS, {**body, "external_ref": "TB-1002"})
    assert again.status_code == 201 and Customer.objects.filter(name=details["name"]).count() == 1, \
        "the same legal name is the same customer"


def test_a_manual_price_without_a_reason_is_refused_with_the_portals_message_on_its_line(api, shop):
    response = api.post(ORDERS, order_body(lines=[{"sku": "P0002", "quantity": 1},
                                                  {"sku": "P0001", "quantity": 1, "unit_price": "80.00"}]))
    assert response.status_code == 422
    body = response.json()
    assert set(body) >= {"code", "message", "detail", "errors"}
    assert body["code"] == "invalid_input" and body["detail"]
    assert "手工改价必须填写原因" in body["message"]
    assert list(body["errors"]) == ["lines[1]"] and "第2行" in body["errors"]["lines[1]"][0]
    assert not Order.objects.exists()
    with_reason = api.post(ORDERS, order_body(lines=[{"sku": "P0001", "quantity": 1, "unit_price": "80.00",
                                                      "price_reason": "老客户活动价"}]))
    assert with_reason.status_code == 201
    line = Order.objects.get().lines.get()
    assert (line.unit_price, line.price_source, line.override_reason) == (Decimal("80.00"), "manual", "老客户活动价")


@pytest.mark.parametrize("body, field, code", [
    (order_body(customer_code="C99999"), "customer_code", "unknown_customer"),
    (order_body(lines=[{"sku": "NOPE", "quantity": 1}]), "lines[0].sku", "unknown_product"),
    (order_body(lines=[{"sku": "P0001", "quantity": 0}]), "lines[0].quantity", "invalid_request"),
    ({**order_body(), "lines": []}, "lines", "invalid_request"),
    ({"external_ref": "X", "lines": [{"sku": "P0001", "quantity": 1}]}, "customer_code", "invalid_request"),
])
def test_refusals_name_the_field_at_fault(api, shop, body, field, code):
    response = api.post(ORDERS, body)
    assert response.status_code in (400, 422)
    assert response.json()["code"] == code
    assert field in response.json()["errors"], response.json()
    assert not Order.objects.exists()


def test_the_same_key_and_body_return_the_first_answer_marked_as_a_replay(api, shop):
    first = api.post(ORDERS, order_body(), key="key-1")
    again = api.post(ORDERS, order_body(), key="key-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Order.objects.count() == 1


def test_the_same_body_with_keys_in_another_order_of_fields_is_the_same_request(api, shop):
    body = order_body()
    first = api.post(ORDERS, body, key="key-2")
    reordered = dict(reversed(list(body.items())))
    assert api.post(ORDERS, reordered, key="key-2").content == first.content


def test_the_same_key_with_another_body_is_422_and_creates_nothing(api, shop):
    api.post(ORDERS, order_body(), key="key-3")
    response = api.post(ORDERS, order_body(external_ref="TB-OTHER"), key="key-3")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


@pytest.mark.parametrize("key", [None, "", "has space", "x" * 201, "中文"])
def test_a_post_without_a_valid_idempotency_key_is_refused(api, shop, key):
    response = api.post(ORDERS, order_body(), key=key)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"
    assert not Order.objects.exists()


def test_a_refused_request_frees_its_key_for_the_corrected_request(api, shop):
    refused = api.post(ORDERS, order_body(customer_code="C99999"), key="key-4")
    assert refused.status_code == 422
    assert api.post(ORDERS, order_body(), key="key-4").status_code == 201


def test_the_same_external_ref_under_a_new_key_is_409_naming_the_existing_order(api, shop):
    first = api.post(ORDERS, order_body())
    again = api.post(ORDERS, order_body(lines=[{"sku": "P0002", "quantity": 9}]))
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "duplicate_order" and body["order"]["number"] == first.json()["number"]
    assert first.json()["number"] in body["message"] and "external_ref" in body["errors"]
    assert Order.objects.count() == 1


def test_external_refs_are_unique_per_channel_not_across_channels(client, api, shop):
    from .conftest import Api

    _other, token = make_channel(name="京东自营", code="jd-shop-1")
    assert api.post(ORDERS, order_body(external_ref="123")).status_code == 201
    assert Api(client, token).post(ORDERS, order_body(external_ref="123")).status_code == 201
    assert sorted(Order.objects.values_list("channel_code", flat=True)) == ["jd-shop-1", "taobao-shop-1"]


def test_every_call_is_logged_per_client_without_the_body(api, channel, shop):
    api.post(ORDERS, order_body(), key="log-key")
    api.post(ORDERS, order_body(external_ref="TB-2", customer_code="C99999"))
    calls = list(ApiCallLog.objects.filter(client=channel[0]).order_by("id"))
    assert [(c.method, c.endpoint, c.status) for c in calls] == [
        ("POST", "/api/v1/orders/", 201), ("POST", "/api/v1/orders/", 422)]
    assert calls[0].idempotency_key == "log-key" and calls[1].error_code == "unknown_customer"
    logged = json.dumps([vars(c) for c in calls], default=str)
    assert "13812345678" not in logged and "张江路" not in logged
