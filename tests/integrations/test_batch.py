"""POST /api/v1/orders/batch/: up to 500 orders, each answered; all or nothing on request."""

import pytest

from orders.models import Order

from .conftest import order_body

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/orders/batch/"
BAD = {
    17: {"lines": [{"sku": "NO-SUCH-SKU", "quantity": 1}]},                           # unknown product
    250: {"lines": [{"sku": "P0001", "quantity": 1, "unit_price": "1.00"}]},           # manual price, no reason
    499: {"lines": [{"sku": "P0002", "quantity": 0}]},                                 # malformed
}


def _batch(atomic: bool) -> dict:
    orders = []
    for index in range(500):
        body = order_body(external_ref=f"TB-{index:04d}", lines=[{"sku": "P0002", "quantity": 1 + index % 7}])
        body.update(BAD.get(index, {}))
        orders.append(body)
    return {"atomic": atomic, "orders": orders}


def _rejected(results) -> dict[int, dict]:
    return {r["index"]: r["error"] for r in results if r["result"] == "rejected"}


def test_atomic_batch_with_three_bad_orders_creates_nothing_and_names_the_three(api, shop):
    response = api.post(BATCH, _batch(atomic=True))
    assert response.status_code == 422, response.content[:500]
    body = response.json()
    assert body["code"] == "batch_rejected" and "3 个订单被拒绝" in body["message"]
    rejected = _rejected(body["results"])
    assert sorted(rejected) == sorted(BAD)
    assert rejected[17]["code"] == "unknown_product" and "lines[0].sku" in rejected[17]["errors"]
    assert "手工改价必须填写原因" in rejected[250]["message"]
    assert rejected[499]["code"] == "invalid_request" and "lines[0].quantity" in rejected[499]["errors"]
    assert {r["result"] for r in body["results"] if r["index"] not in BAD} == {"not_created"}
    assert not Order.objects.exists()


def test_batch_of_each_on_its_own_creates_the_497_good_orders(api, shop):
    response = api.post(BATCH, _batch(atomic=False))
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["created"], body["rejected"], body["duplicates"]) == (497, 3, 0)
    assert sorted(_rejected(body["results"])) == sorted(BAD)
    assert Order.objects.filter(channel_code="taobao-shop-1").count() == 497
    numbers = {r["index"]: r["number"] for r in body["results"] if r["result"] == "created"}
    assert Order.objects.get(number=numbers[0]).external_ref == "TB-0000"


def test_orders_sent_before_are_answered_as_duplicates_with_their_numbers(api, shop):
    first = api.post("/api/v1/orders/", order_body(external_ref="TB-0001")).json()
    body = api.post(BATCH, {"orders": [order_body(external_ref=f"TB-000{i}") for i in range(3)]}).json()
    assert [r["result"] for r in body["results"]] == ["created", "duplicate", "created"]
    assert body["results"][1]["number"] == first["number"]
    assert body["results"][1]["error"]["code"] == "duplicate_order"
    assert Order.objects.count() == 3


def test_the_same_external_ref_twice_in_one_batch_creates_it_once(api, shop):
    body = api.post(BATCH, {"orders": [order_body(external_ref="SAME"), order_body(external_ref="SAME")]}).json()
    assert [r["result"] for r in body["results"]] == ["created", "rejected"]
    assert body["results"][1]["error"]["code"] == "duplicate_in_batch"


def test_orders_with_new_customers_go_one_by_one_beside_the_bulk(api, shop):
    new = {"name": "苏州新客户有限公司", "contact_name": "王五", "contact_phone": "13700002222",
           "province": "江苏省", "city": "苏州市", "address": "人民路8号"}
    with_new = order_body(external_ref="NEW-1", customer=new)
    del with_new["customer_code"]
    body = api.post(BATCH, {"atomic": True, "orders": [order_body(external_ref="OLD-1"), with_new]}).json()
    assert [r["result"] for r in body["results"]] == ["created", "created"]
    assert Order.objects.get(external_ref="NEW-1").customer.name == "苏州新客户有限公司"


def test_a_batch_of_more_than_500_orders_is_refused_whole(api, shop):
    orders = [order_body(external_ref=f"X{i}") for i in range(501)]
    response = api.post(BATCH, {"orders": orders})
    assert response.status_code == 400 and "orders" in response.json()["errors"]
    assert not Order.objects.exists()
