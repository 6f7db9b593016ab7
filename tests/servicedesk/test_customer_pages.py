"""The customer files a complaint from the tracking page (signed link, rate-limited, with
photos), is told its number, follows it on its own signed page and confirms — or reopens."""

import pytest
from django.urls import reverse

from fulfillment.tracking import tracking_token
from servicedesk import services
from servicedesk.links import complaint_token
from servicedesk.models import Channel, Complaint, ComplaintStatus, StaffNotification
from tests.factories import delivered_order, make_order
from tests.servicedesk.conftest import category
from tests.servicedesk.test_portal_pages import png

pytestmark = pytest.mark.django_db


def file(client, order, **data):
    values = {"category": category("物流延误").pk, "description": "快递员把货放在门卫没通知我"}
    values.update(data)
    values = {f"complaint-{key}": value for key, value in values.items()}
    return client.post(reverse("tracking:file_complaint", args=[tracking_token(order)]), values, follow=True)


def test_the_customer_files_a_complaint_with_photos_and_is_told_its_number(client, staff):
    order = delivered_order()
    page = client.get(reverse("tracking:signed", args=[tracking_token(order)])).content.decode()
    assert 'data-testid="complaint-form"' in page
    response = file(client, order, photos=[png("a.png"), png("b.png")])
    complaint = Complaint.objects.get()
    body = response.content.decode()
    assert f"您的投诉已受理，编号 {complaint.number}" in body and 'data-testid="complaint-status">已受理' in body
    assert (complaint.channel, complaint.order, complaint.created_by, complaint.assignee) == (
        Channel.TRACKING, order, None, None)
    assert complaint.attachments.filter(from_customer=True).count() == 2
    assert complaint.events.get().actor_name == "客户"
    told = {n.recipient for n in StaffNotification.objects.filter(kind="complaint_new")}
    assert told == {staff["service"], staff["service2"]}
    tracking = client.get(reverse("tracking:signed", args=[tracking_token(order)])).content.decode()
    assert complaint.number in tracking and "已受理" in tracking


def test_a_forged_link_files_nothing(client, staff):
    response = client.post(reverse("tracking:file_complaint", args=["not-a-token"]),
                           {"complaint-category": category("其他").pk, "complaint-description": "x"})
    assert response.status_code == 302 and response.url == reverse("tracking:lookup")
    assert not Complaint.objects.exists()
    assert client.get(reverse("tracking:complaint", args=["forged"])).status_code == 400


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_stored(client, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = make_order()
    response = file(client, order, photos=[SimpleUploadedFile("x.jpg", b"<html>", content_type="image/jpeg")])
    assert "投诉未提交" in response.content.decode() and not Complaint.objects.exists()


def test_complaints_are_rate_limited_per_client_address(client, staff, settings):
    settings.COMPLAINT_RATE_LIMIT = "2/h"
    order = make_order()
    for _ in range(2):
        file(client, order)
    response = file(client, order)
    assert "提交过于频繁" in response.content.decode() and Complaint.objects.count() == 2
    other = client.post(reverse("tracking:file_complaint", args=[tracking_token(order)]),
                        {"complaint-category": category("其他").pk, "complaint-description": "另一台电脑"},
                        REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302 and Complaint.objects.count() == 3


def test_the_customer_confirms_the_resolution_with_satisfaction(client, staff):
    order = delivered_order()
    file(client, order)
    complaint = Complaint.objects.get()
    services.complaint_start(complaint=complaint, user=staff["service"])
    services.complaint_propose(complaint=complaint, user=staff["service"], resolution="已与快递公司沟通，今后送货上门")
    url = reverse("tracking:complaint", args=[complaint_token(complaint)])
    page = client.get(url).content.decode()
    assert "已与快递公司沟通" in page and 'data-testid="confirm-form"' in page
    tracking = client.get(reverse("tracking:signed", args=[tracking_token(order)])).content.decode()
    assert 'data-testid="confirm-complaint"' in tracking
    response = client.post(reverse("tracking:complaint_answer", args=[complaint_token(complaint), "confirm"]),
                           {"satisfaction": "satisfied", "comment": "满意"}, follow=True)
    assert "感谢您的确认" in response.content.decode()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.satisfaction, complaint.customer_comment) == (
        ComplaintStatus.RESOLVED, "satisfied", "满意")


def test_the_public_page_masks_personal_details_a_clerk_typed(client, staff):
    order = make_order()
    complaint = services.complaint_open(user=staff["service"], data=services.ComplaintInput(
        channel="phone", category=category("服务态度"), order=order,
        description="张三来电（13812345678，zhang@example.com）：送货员态度差"))
    page = client.get(reverse("tracking:complaint", args=[complaint_token(complaint)])).content.decode()
    assert "13812345678" not in page and "zhang@example.com" not in page and "张三" not in page
    assert "送货员态度差" in page


def test_the_customer_says_it_is_not_solved(client, staff):
    order = make_order()
    complaint = services.complaint_open(user=staff["service"], data=services.ComplaintInput(
        channel="phone", category=category("商品质量"), description="颜色不对", order=order))
    url = reverse("tracking:complaint_answer", args=[complaint_token(complaint), "reopen"])
    refused = client.post(url, {"reason": "还没处理"}, follow=True).content.decode()
    assert "不能重新打开" in refused
    services.complaint_start(complaint=complaint, user=staff["service"])
    services.complaint_propose(complaint=complaint, user=staff["service"], resolution="已换货")
    client.post(url, {"reason": "换来的还是错的"}, follow=True)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.IN_PROGRESS and complaint.reopened_count == 1
    assert "换来的还是错的" in complaint.events.last().note
