"""Reading orders back: one order in the platform's terms, and a cursor-paginated list of
what changed, limited to the client's channel unless its scope says otherwise."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order
from tests.factories import make_order

from .conftest import Api, make_channel, push, ship

pytestmark = pytest.mark.django_db


def test_an_order_reads_with_status_lines_totals_shipments_and_timeline(api, shop):
    order = push(api, external_ref="TB-7")
    shipment = ship(order, tracking_number="SF1234567890")
    body = api.get(f"/api/v1/orders/{order.number}/").json()
    assert (body["number"], body["external_ref"], body["status"], body["status_label"]) == (
        order.number, "TB-7", "shipped", "已出库")
    assert body["lines"][0]["sku"] == "P0001" and body["lines"][0]["quantity"] == 2
    assert body["totals"]["total"] == "226.00" and body["totals"]["balance_due"] == "226.00"
    assert body["shipments"] == [{
        "carrier": {"code": "sf", "name": "顺丰速运"}, "tracking_number": "SF1234567890",
        "tracking_url": shipment.tracking_url, "status": "shipped", "status_label": "已出库",
        "shipped_at": timezone.localtime(shipment.shipped_at).isoformat(),
        "expected_delivery_date": shipment.expected_delivery_date.isoformat(), "delivered_at": None,
    }]
    assert [entry["to_status"] for entry in body["timeline"] if entry["kind"] == "status"][-1] == "shipped"
    assert body["timeline"][0]["kind"] == "created"


def test_another_channels_order_is_not_found(client, api, shop):
    other = make_order(customer=shop[0])  # entered in the portal: no channel
    _jd, token = make_channel(name="京东自营", code="jd-shop-1")
    theirs = push(Api(client, token), external_ref="JD-1")
    assert api.get(f"/api/v1/orders/{other.number}/").status_code == 404
    response = api.get(f"/api/v1/orders/{theirs.number}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_client_that_reads_every_channel_sees_every_order(client, api, shop):
    portal_order = make_order(customer=shop[0])
    pushed = push(api)
    _erp, token = make_channel(name="金蝶 ERP", code="kingdee", scopes=["orders:read_all"])
    erp = Api(client, token)
    numbers = {row["number"] for row in erp.get("/api/v1/orders/").json()["results"]}
    assert numbers == {portal_order.number, pushed.number}
    only_taobao = erp.get("/api/v1/orders/", channel="taobao-shop-1").json()["results"]
    assert [row["number"] for row in only_taobao] == [pushed.number]


def test_polling_with_updated_since_and_the_cursor_sees_each_change_once(api, shop):
    orders = [push(api, external_ref=f"TB-{i}") for i in range(5)]
    start = timezone.now() - timedelta(minutes=1)
    page = api.get("/api/v1/orders/", updated_since=start.isoformat(), page_size=2).json()
    seen = [row["number"] for row in page["results"]]
    while page["next"]:
        page = api.http.get(page["next"], **api.headers()).json()
        seen += [row["number"] for row in page["results"]]
    assert seen == [o.number for o in orders], "oldest change first, every order once"
    Order.objects.filter(pk=orders[1].pk).update(updated_at=timezone.now() + timedelta(seconds=1))
    later = api.get("/api/v1/orders/", updated_since=(timezone.now() + timedelta(milliseconds=500)).isoformat())
    assert [row["number"] for row in later.json()["results"]] == [orders[1].number]


def test_list_filters_by_status_and_refuses_unknown_values(api, shop):
    push(api, external_ref="A")
    shipped = push(api, external_ref="B")
    ship(shipped)
    rows = api.get("/api/v1/orders/", status="shipped").json()["results"]
    assert [row["number"] for row in rows] == [shipped.number]
    bad = api.get("/api/v1/orders/", status="lost", updated_since="yesterday")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"status", "updated_since"}
    assert api.get("/api/v1/orders/", cursor="not-a-cursor").status_code == 404
