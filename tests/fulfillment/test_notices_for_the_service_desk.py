"""What fulfillment offers the service desk above it: the notice of a complaint's answer
(from a timeline note, or with no order at all) and an event when a notice fails for good."""

import pytest
from django.core import mail

from fulfillment import services as ff
from fulfillment.domain_events import CustomerNoticeFailed
from fulfillment.models import MessageStatus, NotificationMessage
from ordermgmt.domain_events import Phase, subscribe, unsubscribe
from orders.events import record_event
from orders.models import OrderEvent
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_a_complaint_resolved_note_on_the_timeline_tells_the_customer_the_answer_and_the_link(staff):
    order = make_order(user=staff["sales"], contact_email="buyer@example.com")
    record_event(order=order, user=staff["service"], kind=OrderEvent.Kind.NOTE, action="complaint_resolved",
                 reason="投诉 TS202612050001 已处理", data={
                     "complaint_number": "TS202612050001", "complaint_resolution": "已补发缺少的配件",
                     "complaint_url": "http://127.0.0.1:8000/track/c/abc/"})
    rows = {m.channel: m for m in NotificationMessage.objects.filter(order=order, key="complaint_resolved")}
    assert set(rows) == {"email", "sms"}
    assert "TS202612050001" in rows["sms"].body and "已补发缺少的配件" in rows["sms"].body
    assert "http://127.0.0.1:8000/track/c/abc/" in rows["email"].body


def test_a_notice_about_no_order_is_written_to_the_outbox_and_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        messages = ff.notifications_queue_direct(
            key="complaint_resolved", email="li@example.com", phone="021-5555 1234",
            values={"联系人": "李先生", "投诉单号": "TS202612050002", "投诉处理": "已向客户致歉", "确认链接": "http://x/c/1/"},
        )
    rows = {m.channel: m for m in messages}
    assert rows["email"].order is None and rows["email"].status == MessageStatus.PENDING
    assert rows["sms"].status == MessageStatus.SKIPPED, "a landline gets no SMS"
    (email,) = mail.outbox
    assert email.to == ["li@example.com"] and "李先生" in email.body and "TS202612050002" in email.subject
    assert NotificationMessage.objects.get(pk=rows["email"].pk).status == MessageStatus.SENT


def test_a_direct_notice_names_only_known_placeholders():
    with pytest.raises(ValueError, match="客户名"):
        ff.notifications_queue_direct(key="complaint_resolved", values={"客户名": "x"}, email="a@example.com")


def test_the_outbox_lists_a_notice_without_an_order(client, staff):
    ff.notifications_queue_direct(key="complaint_resolved", values={"投诉单号": "TS1"}, email="a@example.com")
    client.force_login(staff["service"])
    response = client.get("/fulfillment/notifications/")
    assert response.status_code == 200 and "投诉处理结果" in response.content.decode()


def test_a_notice_failing_for_good_is_announced_once(staff, settings):
    settings.SMS_BACKEND = "tests.fulfillment.test_notifications.FailingSmsBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 1
    heard = []
    probe = subscribe(CustomerNoticeFailed, phase=Phase.IN_TRANSACTION)(lambda event: heard.append(event.message.pk))
    try:
        order = make_order(user=staff["sales"])
        from orders import services as order_services

        order_services.order_approve(order=order, user=staff["reviewer"])
        message = NotificationMessage.objects.get(order=order, channel="sms")
        assert ff.notification_deliver(message_id=message.pk).status == MessageStatus.FAILED
        ff.notification_deliver(message_id=message.pk)  # already failed: nothing more
    finally:
        unsubscribe(CustomerNoticeFailed, probe)
    assert heard == [message.pk]
