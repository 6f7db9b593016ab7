"""The staff notification centre: each kind reaches the people it is for, through the
domain events of the apps below (no call into orders), by each user's preference — in the
portal (the bell), in the daily e-mail digest, or not at all."""

import pytest
from django.core import mail
from django.urls import reverse

from fulfillment import services as ff
from fulfillment.models import NotificationMessage
from integrations.domain_events import WebhookSubscriptionDisabled
from integrations.scopes import ORDERS_READ_ALL
from integrations.services import webhook_subscription_create
from orders import services as order_services
from orders.domain_events import OrderStatusChanged
from orders.models import OrderStatus
from servicedesk import receivers, services, tasks
from servicedesk.models import StaffNotification
from tests.factories import ProductFactory, make_order, receive
from tests.integrations.conftest import WebhookReceiver, make_channel

pytestmark = pytest.mark.django_db


def kinds_of(user):
    return list(StaffNotification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_an_urgent_order_is_announced_to_whoever_works_on_the_stage_it_reaches(staff, django_capture_on_commit_callbacks):
    product = ProductFactory()
    receive(product, 10)
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(user=staff["sales"], priority="urgent", lines=[(product, 1, "60000.00")])
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW
    assert kinds_of(staff["reviewer"]) == ["urgent_order"] and kinds_of(staff["warehouse"]) == []
    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_approve(order=order, user=staff["reviewer"])
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    (told,) = StaffNotification.objects.filter(recipient=staff["warehouse"], kind="urgent_order")
    assert told.text == f"加急订单 {order.number}（{order.customer.name}，67,800.00 元）进入您的待办"
    assert told.link == f"/orders/{order.number}/"
    assert kinds_of(staff["reviewer"]) == ["urgent_order"], "the reviewer is not told of its own approval"
    assert kinds_of(staff["logistics"]) == []


def test_an_ordinary_order_tells_nobody(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_order(user=staff["sales"], lines=[(ProductFactory(), 1, "60000.00")])
    assert not StaffNotification.objects.exists()


def test_the_owner_hears_that_their_order_was_rejected_and_why(staff, django_capture_on_commit_callbacks):
    order = make_order(user=staff["sales"])
    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_reject(order=order, user=staff["reviewer"], reason="地址缺门牌号")
    (told,) = StaffNotification.objects.filter(kind="order_rejected")
    assert told.recipient == staff["sales"] and "地址缺门牌号" in told.text


def test_a_customer_notice_that_failed_for_good_is_announced(staff, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.fulfillment.test_notifications.FailingSmsBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 1
    order = make_order(user=staff["sales"])
    order_services.order_approve(order=order, user=staff["reviewer"])
    message = NotificationMessage.objects.get(order=order, channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        ff.notification_deliver(message_id=message.pk)
    told = {n.recipient for n in StaffNotification.objects.filter(kind="customer_notice_failed")}
    assert told == {staff["sales"], staff["service"], staff["service2"], staff["logistics"]}
    assert "HTTP 503" in StaffNotification.objects.filter(kind="customer_notice_failed").first().text


def test_a_redelivered_event_tells_nobody_twice(staff, django_capture_on_commit_callbacks):
    order = make_order(user=staff["sales"])
    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_reject(order=order, user=staff["reviewer"], reason="价格有误")
    entry = order.events.get(action="reject")
    order.refresh_from_db()
    event = OrderStatusChanged(order=order, timeline_event=entry, from_status="pending_review", to_status="rejected",
                               action="reject", user=staff["reviewer"])
    receivers.tell_who_must_act_now(event)
    assert StaffNotification.objects.filter(kind="order_rejected").count() == 1


def test_a_webhook_subscription_disabled_after_repeated_failures_tells_every_manager_and_the_owner(
        staff, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES, settings.WEBHOOK_DISABLE_AFTER_HOURS = 2, 0
    erp, _token = make_channel(name="ERP 对接", code="erp-1", scopes=[ORDERS_READ_ALL], owner=staff["sales"])
    receiver = WebhookReceiver()
    receiver.failures = 99
    try:
        subscription, _secret = webhook_subscription_create(user=None, client=erp, url=receiver.url,
                                                            event_types=["order.created"])
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                make_order()
    finally:
        receiver.server.shutdown()
    subscription.refresh_from_db()
    assert not subscription.is_active and len(receiver.requests) == 2
    told = StaffNotification.objects.filter(kind="webhook_disabled")
    assert {n.recipient for n in told} == {staff["manager"], staff["manager2"], staff["sales"]}
    assert {n.link for n in told} == {f"/integrations/clients/{erp.pk}/"}
    assert all("ERP 对接" in n.text and "连续 2 次投递失败" in n.text for n in told)
    # Delivered again (at least once): nobody is told twice.
    receivers.tell_of_a_disabled_webhook_subscription(WebhookSubscriptionDisabled(subscription=subscription))
    assert told.count() == 3


def test_preferences_choose_the_bell_the_digest_or_nothing(client, staff, django_capture_on_commit_callbacks):
    client.force_login(staff["sales"])
    response = client.post(reverse("servicedesk:notification_settings"),
                           {"order_rejected": "digest", "stage_flag": "off", "urgent_order": "portal",
                            **{k: "portal" for k in ("complaint_new", "complaint_assigned", "complaint_escalated",
                                                     "complaint_note", "goodwill_approval", "customer_notice_failed",
                                                     "webhook_disabled", "report_ready", "refund_approval")}})
    assert response.status_code == 302
    for reason in ("地址缺门牌号", "价格有误"):
        order = make_order(user=staff["sales"])
        with django_capture_on_commit_callbacks(execute=True):
            order_services.order_reject(order=order, user=staff["reviewer"], reason=reason)
    services.staff_notify(users=[staff["sales"]], kind="stage_flag", text="不会出现", key="x")
    rows = StaffNotification.objects.filter(recipient=staff["sales"])
    assert [r.delivery for r in rows] == ["digest", "digest"], "stage flags are off"
    home = client.get("/").content.decode()
    assert 'data-testid="notification-bell"' in home and 'data-testid="unread-count"' not in home

    assert tasks.send_notification_digests() == 1
    (email,) = mail.outbox
    assert email.to == [staff["sales"].email] and "地址缺门牌号" in email.body and "价格有误" in email.body
    assert "每日通知汇总（2 条）" in email.subject
    assert tasks.send_notification_digests() == 0, "sent once"


def test_the_bell_counts_unread_and_opening_a_notification_marks_it_read(client, staff):
    services.staff_notify(users=[staff["warehouse"]], kind="stage_flag", text="订单 X 已分配超过 1 个工作日",
                          link="/orders/", key="a")
    services.staff_notify(users=[staff["warehouse"]], kind="urgent_order", text="加急订单 Y", link="/", key="b")
    client.force_login(staff["warehouse"])
    home = client.get("/").content.decode()
    assert 'data-testid="unread-count">2<' in home
    listing = client.get(reverse("servicedesk:notifications")).content.decode()
    assert "订单 X 已分配超过 1 个工作日" in listing
    first = StaffNotification.objects.get(key="a")
    response = client.post(reverse("servicedesk:notification_open", args=[first.pk]))
    assert response.status_code == 302 and response.url == "/orders/"
    assert 'data-testid="unread-count">1<' in client.get("/").content.decode()
    client.post(reverse("servicedesk:notifications_read_all"))
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()
    client.force_login(staff["sales"])
    assert client.post(reverse("servicedesk:notification_open", args=[first.pk])).status_code == 404
