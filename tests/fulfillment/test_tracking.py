"""The customer's public tracking page."""

import base64
import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fulfillment import services as ff
from fulfillment.models import EventKind
from fulfillment.tracking import tracking_token, tracking_url
from tests.factories import CustomerFactory, make_order
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db

WRONG = "订单号或手机号后4位不正确"


@pytest.fixture
def in_transit(staff, carrier):
    customer = CustomerFactory(name="上海华兴科技有限公司")
    order = allocated_order(
        staff, customer=customer, contact_name="欧阳娜娜", contact_phone="13912345678",
        contact_email="nana@example.com", ship_address="张江路100号3号楼201室",
    )
    shipment = ship_all(order, staff, carrier, tracking_number="SF7000001")
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.PICKED_UP,
                             occurred_at=timezone.now() - timedelta(hours=5), place="上海嘉定", note="快递员已揽件")
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.IN_TRANSIT,
                             occurred_at=timezone.now() - timedelta(hours=1), place="上海转运中心")
    order.refresh_from_db()
    return order


def _lookup(client, number, digits, ip="10.1.0.1"):
    return client.post("/track/", {"number": number, "phone_last4": digits}, REMOTE_ADDR=ip, follow=True)


def test_right_pair_opens_the_order_with_progress_events_and_expected_date(client, in_transit):
    response = _lookup(client, in_transit.number, "5678")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain and "/track/s/" in response.redirect_chain[0][0]
    assert 'data-testid="progress"' in html
    current = re.search(r'<li class="[^"]*current[^"]*" data-step="(\w+)"', html)
    assert current and current.group(1) == "transit"
    assert "上海转运中心" in html and "快递员已揽件" in html and "SF7000001" in html
    shipment = in_transit.shipments.get()
    assert f"{shipment.expected_delivery_date.year}年{shipment.expected_delivery_date.month}月" in html
    assert "欧***" in html and "139****5678" in html and "上海市上海市浦东新区****" in html


def test_no_personal_data_beyond_the_masked_fields(client, in_transit):
    html = _lookup(client, in_transit.number, "5678").content.decode()
    for secret in ["欧阳娜娜", "13912345678", "nana@example.com", "张江路", "201室", "上海华兴科技有限公司",
                   in_transit.customer.code, "¥", str(in_transit.total)]:
        assert secret not in html, secret
    for name in in_transit.lines.values_list("product_name", flat=True):
        assert name not in html


@pytest.mark.parametrize("number_suffix, digits", [("", "0000"), ("9", "5678"), ("", "56a8")])
def test_wrong_pair_gets_one_generic_message(client, in_transit, number_suffix, digits):
    response = _lookup(client, in_transit.number + number_suffix, digits)
    html = response.content.decode()
    assert WRONG in html
    assert "/track/s/" not in html and "上海转运中心" not in html


def test_attempts_are_limited_per_ip(client, in_transit, settings):
    settings.TRACKING_RATE_LIMIT = "10/10m"
    for i in range(10):
        assert _lookup(client, f"2099010100{i:02d}", "0000", ip="10.2.0.1").status_code == 200
    blocked = _lookup(client, in_transit.number, "5678", ip="10.2.0.1")
    assert blocked.status_code == 429 and "查询次数过多" in blocked.content.decode()
    assert _lookup(client, in_transit.number, "5678", ip="10.2.0.2").status_code == 200, "another visitor is fine"


def test_behind_a_proxy_attempts_are_limited_per_client_not_per_proxy(client, in_transit, settings):
    settings.TRACKING_RATE_LIMIT = "10/10m"
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"

    def lookup(number, digits, real_ip):
        return client.post("/track/", {"number": number, "phone_last4": digits}, REMOTE_ADDR="10.9.0.1",
                           HTTP_X_REAL_IP=real_ip, follow=True)

    for i in range(10):
        assert lookup(f"2099010200{i:02d}", "0000", "203.0.113.20").status_code == 200
    assert lookup(in_transit.number, "5678", "203.0.113.20").status_code == 429
    assert lookup(in_transit.number, "5678", "203.0.113.21").status_code == 200, "another client, same proxy"


def test_attempts_are_limited_per_order_number(client, in_transit, settings):
    settings.TRACKING_RATE_LIMIT = "10/10m"
    for i in range(10):
        _lookup(client, in_transit.number, f"{i:04d}", ip=f"10.3.0.{i + 1}")
    # Guessing from many addresses does not help: the number itself is locked for a while.
    blocked = _lookup(client, in_transit.number, "5678", ip="10.3.1.1")
    assert blocked.status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=21)):
        assert "上海转运中心" in _lookup(client, in_transit.number, "5678", ip="10.3.1.1").content.decode()


def test_signed_link_opens_the_page_without_the_phone_check(client, in_transit):
    url = tracking_url(in_transit)
    assert url.startswith("http://127.0.0.1:8000/track/s/")
    response = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200 and in_transit.number in response.content.decode()
    assert response["Cache-Control"].startswith("private")
    assert "noindex" in response["X-Robots-Tag"]


def test_tampered_or_expired_link_is_refused(client, in_transit, settings):
    token = tracking_token(in_transit)
    head, _, signature = token.rpartition(":")
    tampered = f"{head}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    response = client.get(f"/track/s/{tampered}/")
    assert response.status_code == 400 and in_transit.number not in response.content.decode()
    # Someone else's order number with this link's signature.
    other = make_order()
    payload = base64.urlsafe_b64encode(json.dumps({"n": other.number}, separators=(",", ":")).encode())
    forged = payload.rstrip(b"=").decode() + token[token.index(":"):]
    response = client.get(f"/track/s/{forged}/")
    assert response.status_code == 400 and other.number not in response.content.decode()
    settings.TRACKING_LINK_MAX_AGE_DAYS = 90
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert client.get(f"/track/s/{token}/").status_code == 400


def test_rejected_order_shows_its_state_without_a_progress_bar(client, staff):
    from orders import services as order_services

    order = make_order(user=staff["sales"])
    order_services.order_reject(order=order, user=staff["reviewer"], reason="内部备注：客户信用不足")
    html = client.get(f"/track/s/{tracking_token(order)}/").content.decode()
    assert "暂未通过审核" in html and 'data-testid="progress"' not in html
    assert "信用不足" not in html, "staff's reasons stay inside"


def test_page_is_made_for_phones(client, in_transit):
    html = client.get("/track/").content.decode()
    assert 'name="viewport"' in html and 'inputmode="numeric"' in html
    assert "/static/css/tracking.css" in html and "http" not in html.split("<body>")[0].replace("http-equiv", "")
