"""Carriers push JSON events (token per carrier, idempotent on their event id) or are polled."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fulfillment import services as ff
from fulfillment.models import ShipmentEvent, ShipmentStatus
from orders.models import OrderStatus
from tests.factories import CarrierFactory
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db

URL = "/api/carriers/sf/events/"


@pytest.fixture
def pushed(staff, carrier):
    token = ff.carrier_issue_token(carrier=carrier)
    shipment = ship_all(allocated_order(staff), staff, carrier, tracking_number="SF900001")
    return {"token": token, "shipment": shipment}


def _post(client, body, token, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def _event(event_id="E1", status="in_transit", minutes_ago=10, **extra):
    at = timezone.localtime(timezone.now() - timedelta(minutes=minutes_ago)).isoformat()
    return {"event_id": event_id, "tracking_number": "SF900001", "status": status, "time": at,
            "place": "上海转运中心", "note": "快件已发车", **extra}


def test_good_event_is_recorded_and_moves_the_order(client, pushed):
    response = _post(client, {"events": [_event("E1", "picked_up", 60), _event("E2", "运输中", 10)]}, pushed["token"])
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True, "accepted": 2, "duplicates": 0}
    shipment = pushed["shipment"]
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert list(shipment.events.values_list("source", "external_id")) == [("push", "E1"), ("push", "E2")]
    assert shipment.order.status == OrderStatus.IN_TRANSIT
    assert shipment.order.events.get(to_status="in_transit").actor_name == "系统"


def test_duplicate_event_is_ignored(client, pushed):
    assert _post(client, _event("E1"), pushed["token"]).json()["accepted"] == 1
    again = _post(client, {"events": [_event("E1"), _event("E1")]}, pushed["token"])
    assert again.status_code == 200
    assert again.json() == {"ok": True, "accepted": 0, "duplicates": 2}
    assert ShipmentEvent.objects.count() == 1


def test_bad_token_is_refused_and_nothing_is_stored(client, pushed):
    assert _post(client, _event(), "not-the-token").status_code == 401
    assert client.post(URL, data=json.dumps(_event()), content_type="application/json").status_code == 401
    other = CarrierFactory(code="zto")
    ff.carrier_issue_token(carrier=other)
    # A token of another carrier does not open this carrier's endpoint.
    response = client.post("/api/carriers/zto/events/", data=json.dumps(_event()), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {pushed['token']}")
    assert response.status_code == 401
    assert ShipmentEvent.objects.count() == 0


def test_bad_json_is_answered_400_with_a_reason(client, pushed):
    response = _post(client, "{not json", pushed["token"])
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]
    assert ShipmentEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body, reason",
    [
        ([1, 2], "must be a JSON object"),
        ({"events": []}, "events is empty"),
        ({"events": ["oops"]}, "must be an object"),
        ({"event_id": "X", "tracking_number": "SF900001", "status": "teleported", "time": "2026-01-01T10:00:00+08:00"},
         "status 'teleported'"),
        ({"event_id": "X", "tracking_number": "SF900001", "status": "in_transit", "time": "2026-01-01 10:00"},
         "UTC offset"),
        ({"event_id": "X", "tracking_number": "SF900001", "status": "in_transit", "time": "yesterday"}, "ISO 8601"),
        ({"tracking_number": "SF900001", "status": "in_transit", "time": "2026-01-01T10:00:00+08:00"},
         "event_id is required"),
    ],
)
def test_bad_payload_is_answered_400_and_stored_nowhere(client, pushed, body, reason):
    response = _post(client, body, pushed["token"])
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert ShipmentEvent.objects.count() == 0


@pytest.mark.parametrize("depth", [20, 100_000])
def test_deeply_nested_json_is_answered_400_and_stored_nowhere(client, pushed, depth):
    # 100,000 levels is 200 kB, well under the size limit, and deeper than the decoder
    # can recurse; 20 levels decode fine but no event is shaped like that.
    nested = "[" * depth + "]" * depth
    for body in (nested, '{"events": [' + nested + "]}", '{"event_id": "E1", "note": ' + nested + "}"):
        response = _post(client, body, pushed["token"])
        assert response.status_code == 400, response.content
        assert "nested" in response.json()["error"]
    assert ShipmentEvent.objects.count() == 0


def test_brackets_inside_text_are_not_nesting(client, pushed):
    response = _post(client, _event("E1", note="[[[[[[[[[[{{{{{{{{{{ 快件已发车 \\\"[[[["), pushed["token"])
    assert response.status_code == 200, response.content
    assert ShipmentEvent.objects.get().note.startswith("[[[[")


def test_one_bad_event_rejects_the_whole_request(client, pushed):
    body = {"events": [_event("E1"), {**_event("E2"), "tracking_number": "UNKNOWN1"}]}
    response = _post(client, body, pushed["token"])
    assert response.status_code == 400 and "UNKNOWN1" in response.json()["error"]
    assert ShipmentEvent.objects.count() == 0
    pushed["shipment"].order.refresh_from_db()
    assert pushed["shipment"].order.status == OrderStatus.SHIPPED


def test_push_endpoint_is_rate_limited(client, pushed, settings):
    settings.CARRIER_API_RATE_LIMIT = "3/m"
    codes = [_post(client, _event(f"R{i}"), pushed["token"]).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_fake_carrier_is_polled_on_its_timetable(staff, carrier):
    carrier.poller = "fake"
    carrier.save()
    shipped_at = timezone.now()
    shipment = ship_all(allocated_order(staff), staff, carrier)
    order = shipment.order
    with time_machine.travel(shipped_at + timedelta(hours=3), tick=False):
        assert ff.carriers_poll() == {"sf": 1}
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PICKED_UP
    with time_machine.travel(shipped_at + timedelta(days=2), tick=False):
        ff.carriers_poll()
        ff.carriers_poll()  # polling again repeats the same events: ignored
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert shipment.events.count() == 4
    assert set(shipment.events.values_list("source", flat=True)) == {"poll"}


def test_manager_issues_a_push_token_in_the_admin_and_only_its_hash_is_kept(admin_client, staff, carrier):
    response = admin_client.post("/admin/fulfillment/carrier/", {"action": "issue_token", "_selected_action": [carrier.pk]},
                                 follow=True)
    (message,) = [str(m) for m in response.context["messages"]]
    token = message.split("：", 1)[1].split(" ")[0]
    carrier.refresh_from_db()
    assert len(token) >= 40 and token not in carrier.api_token_hash
    shipment = ship_all(allocated_order(staff), staff, carrier, tracking_number="SF900001")
    assert _post(admin_client, _event("A1"), token).json()["accepted"] == 1
    assert shipment.events.count() == 1
    assert admin_client.get(f"/admin/fulfillment/carrier/{carrier.pk}/change/").status_code == 200
