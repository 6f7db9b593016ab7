"""Customer notices: from the order timeline to the outbox, then e-mail and SMS."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from fulfillment import services as ff
from fulfillment import tasks
from fulfillment.models import MessageStatus, NotificationMessage, NotificationTemplate
from fulfillment.notifications.sms import BaseSmsBackend, HttpGatewayBackend, LocmemSmsBackend, SmsSendError
from fulfillment.notifications.triggers import notices_suppressed
from ordermgmt.errors import ActionForbidden, InvalidInput
from orders import services as order_services
from orders.models import OrderStatus
from tests.factories import make_order
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db


class FailingSmsBackend(BaseSmsBackend):
    calls = 0

    def send(self, *, phone, text, reference):
        type(self).calls += 1
        raise SmsSendError("短信网关返回 HTTP 503")


def test_approval_queues_an_email_and_an_sms_sent_after_commit(staff, django_capture_on_commit_callbacks):
    order = make_order(user=staff["sales"], contact_email="buyer@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_approve(order=order, user=staff["reviewer"])
    messages = {m.channel: m for m in NotificationMessage.objects.filter(order=order)}
    assert set(messages) == {"email", "sms"}
    assert all(m.status == MessageStatus.SENT and m.attempts == 1 for m in messages.values())
    assert messages["email"].subject == f"您的订单 {order.number} 已受理"
    assert messages["sms"].recipient == "13812345678"
    (email,) = mail.outbox
    assert email.to == ["buyer@example.com"] and "/track/s/" in email.body
    (sms,) = LocmemSmsBackend.outbox
    assert order.number in sms["text"] and sms["reference"] == f"notice-{messages['sms'].pk}"


def test_nothing_is_sent_when_the_change_is_rolled_back(staff, django_capture_on_commit_callbacks):
    order = make_order(user=staff["sales"], contact_email="buyer@example.com")
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                order_services.order_approve(order=order, user=staff["reviewer"])
                raise RuntimeError("something later in the request fails")
        except RuntimeError:
            pass
    assert callbacks == [] and not NotificationMessage.objects.exists() and not mail.outbox


def test_rejection_tells_the_reason(staff):
    order = make_order(user=staff["sales"])
    order_services.order_reject(order=order, user=staff["reviewer"], reason="地址缺门牌号")
    sms = NotificationMessage.objects.get(order=order, channel="sms")
    assert sms.key == "order_rejected" and "地址缺门牌号" in sms.body


def test_shipment_notice_names_carrier_tracking_number_and_date(staff, carrier):
    order = allocated_order(staff)
    shipment = ship_all(order, staff, carrier, tracking_number="SF5550001")
    sms = NotificationMessage.objects.get(order=order, key="order_shipped", channel="sms")
    assert "顺丰速运" in sms.body and "SF5550001" in sms.body
    assert f"{shipment.expected_delivery_date:%Y-%m-%d}" in sms.body


def test_partial_shipment_notices_each_parcel(staff, carrier):
    from inventory.models import StockAllocation

    order = allocated_order(staff, lines=((1, 5), (1, 5)))
    first_line = StockAllocation.objects.filter(order_line__order=order).order_by("order_line__line_no")
    ids = [a.pk for a in first_line]
    ship_all(order, staff, carrier, quantities={ids[0]: 1, ids[1]: 0}, tracking_number="SF5550011")
    ship_all(order, staff, carrier, tracking_number="SF5550012")
    bodies = list(NotificationMessage.objects.filter(order=order, key="order_shipped", channel="sms")
                  .order_by("id").values_list("body", flat=True))
    assert ["SF5550011" in bodies[0], "SF5550012" in bodies[1]] == [True, True]


def test_delivery_is_notified(staff, carrier):
    from fulfillment.models import EventKind

    shipment = ship_all(allocated_order(staff), staff, carrier)
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.IN_TRANSIT, occurred_at=timezone.now())
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.DELIVERED, occurred_at=timezone.now())
    sms = NotificationMessage.objects.get(order=shipment.order, key="order_delivered", channel="sms")
    assert shipment.order.number in sms.body and sms.status == MessageStatus.PENDING


def test_customer_without_email_or_mobile_gets_a_visible_unsent_row(staff):
    order = make_order(user=staff["sales"], contact_email="", contact_phone="021-64381234")
    order_services.order_approve(order=order, user=staff["reviewer"])
    rows = {m.channel: m for m in NotificationMessage.objects.filter(order=order)}
    assert {c: m.status for c, m in rows.items()} == {"email": "skipped", "sms": "skipped"}
    assert "不是手机号" in rows["sms"].last_error


def test_failing_backend_is_retried_with_growing_waits_then_marked_failed(staff, settings):
    settings.SMS_BACKEND = "tests.fulfillment.test_notifications.FailingSmsBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 4
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    order = make_order(user=staff["sales"])
    order_services.order_approve(order=order, user=staff["reviewer"])
    message = NotificationMessage.objects.get(order=order, channel="sms")
    waits = []
    now = timezone.now()
    for _ in range(4):
        with time_machine.travel(now, tick=False):
            outcome = ff.notification_deliver(message_id=message.pk)
        waits.append(outcome.retry_in)
        message.refresh_from_db()
        if outcome.retry_in:
            assert message.next_attempt_at == now + timedelta(seconds=outcome.retry_in)
            now = message.next_attempt_at
    assert waits == [60, 120, 240, None]
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 4)
    assert "HTTP 503" in message.last_error and message.failed_at is not None


def test_failed_notice_is_visible_to_staff_and_can_be_sent_again(client, staff, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.fulfillment.test_notifications.FailingSmsBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 1
    order = make_order(user=staff["sales"])
    order_services.order_approve(order=order, user=staff["reviewer"])
    message = NotificationMessage.objects.get(order=order, channel="sms")
    ff.notification_deliver(message_id=message.pk)

    client.force_login(staff["service"])
    page = client.get("/fulfillment/notifications/?status=failed").content.decode()
    assert 'data-testid="failed-count"' in page and "HTTP 503" in page and order.number in page
    order_page = client.get(f"/orders/{order.number}/").content.decode()
    assert "发送失败" in order_page

    settings.SMS_BACKEND = "fulfillment.notifications.sms.LocmemSmsBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/fulfillment/notifications/{message.pk}/resend/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1


def test_sales_cannot_resend_notices(client, staff):
    order = make_order(user=staff["sales"])
    order_services.order_approve(order=order, user=staff["reviewer"])
    message = NotificationMessage.objects.get(order=order, channel="sms")
    client.force_login(staff["sales"])
    assert client.post(f"/fulfillment/notifications/{message.pk}/resend/").status_code == 403
    with pytest.raises(ActionForbidden):
        ff.notification_resend(message=message, user=staff["sales"])


def test_broker_down_keeps_the_notice_pending_and_the_requeue_task_sends_it(staff, django_capture_on_commit_callbacks):
    order = make_order(user=staff["sales"])
    with mock.patch("fulfillment.tasks.send_notification.apply_async", side_effect=ConnectionError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            order_services.order_approve(order=order, user=staff["reviewer"])
    message = NotificationMessage.objects.get(order=order, channel="sms")
    assert message.status == MessageStatus.PENDING
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED, "the approval itself succeeded"
    assert tasks.requeue_notifications.delay().get() == 0, "not overdue yet"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.requeue_notifications.delay().get() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_templates_are_editable_with_known_placeholders_only(client, staff):
    template = NotificationTemplate.objects.get(key="order_approved", channel="sms")
    with pytest.raises(InvalidInput) as error:
        ff.notification_template_update(template=template, user=staff["manager"], subject="",
                                        body="订单{订单号}已受理，金额{金额}", is_active=True)
    assert "{金额}" in str(error.value)
    with pytest.raises(ActionForbidden):
        ff.notification_template_update(template=template, user=staff["service"], subject="", body="x", is_active=True)

    client.force_login(staff["manager"])
    response = client.post(f"/fulfillment/notifications/templates/{template.pk}/",
                           {"body": "【华兴】{联系人}您好，订单{订单号}已受理。", "is_active": "on"})
    assert response.status_code == 302
    order = make_order(user=staff["sales"], contact_name="李四")
    order_services.order_approve(order=order, user=staff["reviewer"])
    sms = NotificationMessage.objects.get(order=order, channel="sms")
    assert sms.body == f"【华兴】李四您好，订单{order.number}已受理。"


def test_inactive_template_sends_nothing_on_its_channel(staff):
    NotificationTemplate.objects.filter(key="order_approved", channel="email").update(is_active=False)
    order = make_order(user=staff["sales"], contact_email="x@example.com")
    order_services.order_approve(order=order, user=staff["reviewer"])
    assert list(NotificationMessage.objects.filter(order=order).values_list("channel", flat=True)) == ["sms"]


def test_demo_data_and_migrations_can_suppress_notices(staff):
    order = make_order(user=staff["sales"])
    with notices_suppressed():
        order_services.order_approve(order=order, user=staff["reviewer"])
    assert not NotificationMessage.objects.exists()


class _Gateway(BaseHTTPRequestHandler):
    answers: list = []
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Authorization"], json.loads(body)))
        status, answer = type(self).answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.received = []
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/sms/send"
    settings.SMS_GATEWAY_TOKEN = "gw-secret"
    yield _Gateway
    server.shutdown()


def test_http_gateway_backend_posts_json_and_reads_the_answer(gateway):
    gateway.answers = [(200, {"code": 0, "message_id": "GW-1"}), (200, {"code": 1001, "message": "余额不足"}),
                       (500, {"code": -1})]
    backend = HttpGatewayBackend()
    assert backend.send(phone="13812345678", text="您好", reference="notice-7") == "GW-1"
    authorization, body = gateway.received[0]
    assert authorization == "Bearer gw-secret"
    assert body == {"phone": "13812345678", "sign": "订单平台", "content": "您好", "request_id": "notice-7"}
    with pytest.raises(SmsSendError, match="余额不足"):
        backend.send(phone="13812345678", text="您好", reference="notice-8")
    with pytest.raises(SmsSendError, match="HTTP 500"):
        backend.send(phone="13812345678", text="您好", reference="notice-9")


def test_http_gateway_that_cannot_be_reached_is_an_error_to_retry(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    settings.SMS_GATEWAY_TIMEOUT = 2
    with pytest.raises(SmsSendError, match="无法连接"):
        HttpGatewayBackend().send(phone="13812345678", text="x", reference="r")


def test_console_and_file_backends_for_development(settings, tmp_path, capsys):
    from fulfillment.notifications.sms import ConsoleSmsBackend, FileSmsBackend

    ConsoleSmsBackend().send(phone="13812345678", text="测试短信", reference="r1")
    assert "测试短信" in capsys.readouterr().out
    settings.SMS_FILE_PATH = tmp_path / "sms"
    FileSmsBackend().send(phone="13812345678", text="文件短信", reference="r2")
    (written,) = (tmp_path / "sms").iterdir()
    assert json.loads(written.read_text(encoding="utf-8"))["text"] == "文件短信"


def test_development_sms_backends_print_and_write_no_full_phone_or_tracking_token(settings, tmp_path, capsys):
    from fulfillment.notifications.sms import ConsoleSmsBackend, FileSmsBackend
    from fulfillment.tracking import tracking_url

    order = make_order()
    link = tracking_url(order)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    text = f"您的订单已发货，查询：{link}"
    ConsoleSmsBackend().send(phone="13812345678", text=text, reference="r1")
    printed = capsys.readouterr().out
    assert "138****5678" in printed and "13812345678" not in printed
    assert "/track/s/***/" in printed and token not in printed
    settings.SMS_FILE_PATH = tmp_path / "sms"
    FileSmsBackend().send(phone="13812345678", text=text, reference="r2")
    (written,) = (tmp_path / "sms").iterdir()
    line = json.loads(written.read_text(encoding="utf-8"))
    assert line["phone"] == "138****5678" and token not in line["text"] and "您的订单已发货" in line["text"]


def test_every_default_template_carries_the_signed_tracking_link():
    from fulfillment.notifications.defaults import DEFAULT_TEMPLATES
    from fulfillment.notifications.render import unknown_placeholders

    for (key, channel), (subject, body) in DEFAULT_TEMPLATES.items():
        # A complaint's answer links to the complaint's own signed page (it may concern no order).
        link = "{确认链接}" if key == "complaint_resolved" else "{查询链接}"
        assert link in body, (key, channel)
        assert unknown_placeholders(subject + body) == [], (key, channel)
    assert NotificationTemplate.objects.count() == len(DEFAULT_TEMPLATES)


def test_closing_an_after_sales_case_does_not_announce_the_delivery_again(staff, carrier):
    from fulfillment.models import EventKind

    shipment = ship_all(allocated_order(staff), staff, carrier)
    for kind in (EventKind.IN_TRANSIT, EventKind.DELIVERED):
        ff.shipment_event_record(shipment=shipment, user=None, kind=kind, occurred_at=timezone.now())
    order = shipment.order
    order_services.order_open_after_sales(order=order, user=staff["manager"], reason="外包装破损")
    order_services.order_close_after_sales(order=order, user=staff["manager"])
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert NotificationMessage.objects.filter(order=order, key="order_delivered", channel="sms").count() == 1
