"""The customer's public tracking page."""

import base64
import io
import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

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
    assert "上海转运中心" in html and "已揽收" in html and "SF7000001" in html
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


@pytest.fixture
def delivered_with_personal_notes(staff, carrier):
    """Delivered, with a receiver, phone numbers and addresses typed into the events' notes
    and places by couriers and clerks."""
    order = allocated_order(
        staff, contact_name="欧阳娜娜", contact_phone="13912345678", contact_email="nana@example.com",
        ship_address="张江路100号3号楼201室",
    )
    shipment = ship_all(order, staff, carrier, tracking_number="SF7000002")
    ff.shipment_event_record(
        shipment=shipment, user=None, kind=EventKind.IN_TRANSIT, occurred_at=timezone.now() - timedelta(hours=3),
        place="上海转运中心（调度 021-66778899）", note="收件人欧阳娜娜 13912345678 要求改送 张江路100号3号楼201室",
    )
    ff.shipment_event_record(
        shipment=shipment, user=None, kind=EventKind.OUT_FOR_DELIVERY,
        occurred_at=timezone.now() - timedelta(hours=2), place="上海市浦东新区张江路100号3号楼201室",
        note="派送员王建国 13700001111，客户邮箱 nana@example.com",
    )
    ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="李秀英",
                     photos=[SimpleUploadedFile("p.jpg", _jpeg(), content_type="image/jpeg")])
    order.refresh_from_db()
    return order


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


PERSONAL = ["欧阳娜娜", "李秀英", "王建国", "13912345678", "13700001111", "021-66778899", "66778899",
            "nana@example.com", "张江路", "201室"]


def test_public_timeline_carries_no_personal_data_from_notes_or_places(client, delivered_with_personal_notes):
    order = delivered_with_personal_notes
    assert order.shipments.get().events.filter(note__contains="签收人：李秀英").exists()
    looked_up = _lookup(client, order.number, "5678")
    signed = client.get(f"/track/s/{tracking_token(order)}/")
    for response in (looked_up, signed):
        html = response.content.decode()
        assert response.status_code == 200 and 'data-testid="tracking-events"' in html
        for secret in PERSONAL:
            assert secret not in html, secret
        assert "上海转运中心" in html and "已签收" in html and "签收人：李**" in html


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


def test_a_stranger_guessing_an_order_number_cannot_lock_its_customer_out(client, in_transit, settings):
    settings.TRACKING_RATE_LIMIT = "10/10m"
    for i in range(10):
        assert WRONG in _lookup(client, in_transit.number, f"{i:04d}", ip="10.3.0.1").content.decode()
    assert _lookup(client, in_transit.number, "5678", ip="10.3.0.1").status_code == 429, "the guesser is limited"
    customer = _lookup(client, in_transit.number, "5678", ip="10.3.1.1")
    assert customer.status_code == 200 and "上海转运中心" in customer.content.decode()


def test_wrong_pairs_from_many_addresses_still_open_only_with_the_right_pair_and_raise_an_alert(
    client, in_transit, settings, caplog
):
    settings.TRACKING_RATE_LIMIT = "10/10m"
    settings.TRACKING_NUMBER_ALERT_RATE = "20/h"
    with caplog.at_level("WARNING", logger="fulfillment.views.tracking"):
        for i in range(25):
            response = _lookup(client, in_transit.number, f"{i:04d}", ip=f"10.4.0.{i + 1}")
            assert WRONG in response.content.decode() and "上海转运中心" not in response.content.decode()
    alerts = [r for r in caplog.records if in_transit.number in r.getMessage()]
    assert len(alerts) == 1, "one alert when the number crosses the threshold, not one per try"
    assert "上海转运中心" in _lookup(client, in_transit.number, "5678", ip="10.4.1.1").content.decode()


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
