"""Payment-platform callbacks: signed with the provider's secret, fresh, never replayed; each
transaction booked once through the settlement service, or flagged for a 主管."""

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest

from integrations.models import PaymentNotification, PaymentProvider
from ordermgmt import roles
from orders.models import Payment
from tests.factories import user_with_role

from .conftest import push

pytestmark = pytest.mark.django_db

SECRET = "provider-secret-0123456789"
NOTIFY = "/api/v1/payments/notify/acmepay/"


@pytest.fixture
def provider(db):
    return PaymentProvider.objects.create(code="acmepay", name="Acme 支付", secret=SECRET)


@pytest.fixture
def order(api, shop):
    return push(api)  # total ¥226.00


def notification(order_number, *, transaction_id="T-1", amount="226.00", currency="CNY", timestamp=None) -> bytes:
    return json.dumps({"transaction_id": transaction_id, "order_number": order_number, "amount": amount,
                       "currency": currency, "paid_at": "2026-12-01T10:00:00+08:00",
                       "timestamp": int(time.time()) if timestamp is None else timestamp}).encode()


def send(http, body: bytes, *, secret=SECRET, signature=None):
    signature = signature or hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return http.post(NOTIFY, body, content_type="application/json", HTTP_X_SIGNATURE=signature)


def test_a_signed_notification_records_the_payment_once(client, provider, order):
    response = send(client, notification(order.number))
    assert response.status_code == 200 and response.json()["status"] == "recorded"
    payment = Payment.objects.get(order=order)
    assert payment.amount == Decimal("226.00") and payment.method == "online" and "T-1" in payment.reference
    again = send(client, notification(order.number, timestamp=int(time.time()) + 1))  # the platform's retry
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    order.refresh_from_db()
    assert order.paid_amount == Decimal("226.00") and Payment.objects.count() == 1


def test_a_bad_signature_is_refused_and_books_nothing(client, provider, order):
    body = notification(order.number)
    assert send(client, body, secret="someone-else").status_code == 401
    tampered = body.replace(b'"226.00"', b'"1.00"')
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = send(client, tampered, signature=signature)
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"
    assert not Payment.objects.exists() and not PaymentNotification.objects.exists()


def test_a_stale_timestamp_is_refused(client, provider, order):
    response = send(client, notification(order.number, timestamp=int(time.time()) - 301))
    assert response.status_code == 401 and response.json()["code"] == "stale_timestamp"
    assert send(client, notification(order.number, timestamp=int(time.time()) + 301)).status_code == 401
    assert not Payment.objects.exists()


def test_a_replayed_notification_is_refused(client, provider, order):
    body = notification(order.number)
    assert send(client, body).status_code == 200
    replay = send(client, body)
    assert replay.status_code == 409 and replay.json()["code"] == "notification_replayed"
    assert Payment.objects.count() == 1


def test_more_than_is_owed_is_flagged_for_a_manager_not_booked(client, provider, order):
    response = send(client, notification(order.number, amount="300.00"))
    assert response.status_code == 200 and response.json()["status"] == "flagged"
    flagged = PaymentNotification.objects.get()
    assert (flagged.flag, flagged.order, flagged.payment) == ("overpayment", order, None)
    assert "超过订单应收余额" in flagged.message
    assert not Payment.objects.exists()


def test_an_unknown_order_or_another_currency_is_flagged_not_dropped(client, provider, order):
    assert send(client, notification("NO-SUCH-ORDER", transaction_id="T-9")).json()["status"] == "flagged"
    assert send(client, notification(order.number, transaction_id="T-10", currency="USD")).json()["status"] == "flagged"
    assert sorted(PaymentNotification.objects.values_list("flag", flat=True)) == ["currency", "unknown_order"]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b"[]", json.dumps({"transaction_id": "T"}).encode(),
                                  notification("X", amount="-5"), notification("X", amount="1.005")])
def test_a_notification_not_in_the_format_is_400(client, provider, body):
    response = send(client, body)
    assert response.status_code == 400 and response.json()["code"] == "invalid_notification"


def test_an_unknown_provider_is_404(client, provider, order):
    response = client.post("/api/v1/payments/notify/nobody/", notification(order.number), content_type="application/json")
    assert response.status_code == 404


def test_a_manager_books_a_flagged_payment_against_the_right_order(client, provider, order):
    send(client, notification("WRONG-NUMBER"))
    flagged = PaymentNotification.objects.get()
    manager = user_with_role(roles.MANAGER)
    client.force_login(manager)
    page = client.get("/integrations/payments/").content.decode()
    assert "WRONG-NUMBER" in page and "找不到订单" in page
    client.post(f"/integrations/payments/{flagged.pk}/resolve/", {"order_number": order.number, "note": "客户填错订单号"})
    flagged.refresh_from_db()
    assert flagged.resolved_by == manager and flagged.payment.order == order
    order.refresh_from_db()
    assert order.paid_amount == Decimal("226.00")
    assert "WRONG-NUMBER" not in client.get("/integrations/payments/").content.decode().split("最近收到")[0]
