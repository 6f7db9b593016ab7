"""The service desk's pages: thin views over the services, each page for the roles that use it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from ordermgmt import roles
from servicedesk import services
from servicedesk.models import Complaint, ComplaintCategory, ComplaintStatus, StaffNotification
from tests.factories import CustomerFactory, make_order, user_with_role
from tests.platform.test_recording_uploads import wav_bytes
from tests.servicedesk.conftest import category, complaint_input

pytestmark = pytest.mark.django_db


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_clerk_enters_a_phone_complaint_with_a_photo_and_a_recording(client, staff):
    order = make_order(user=staff["sales"])
    client.force_login(staff["service"])
    form = client.get(reverse("servicedesk:complaint_new") + f"?order={order.number}").content.decode()
    assert f'value="{order.number}"' in form
    top, sub = category("商品质量", "破损")
    response = client.post(reverse("servicedesk:complaint_new"), {
        "order_number": order.number, "channel": "phone", "category": top.pk, "subcategory": sub.pk,
        "severity": "high", "description": "桌面有裂纹", "attachments": [png(), SimpleUploadedFile("call.wav", wav_bytes())],
    })
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == reverse("servicedesk:complaint", args=[complaint.number])
    assert {a.content_type for a in complaint.attachments.all()} == {"image/png", "audio/wav"}
    page = client.get(response.url).content.decode()
    assert complaint.number in page and "桌面有裂纹" in page and "<audio" in page
    recording = complaint.attachments.get(content_type="audio/wav")
    assert client.get(reverse("servicedesk:attachment", args=[recording.pk])).status_code == 200
    client.force_login(staff["warehouse"])
    assert client.get(reverse("servicedesk:attachment", args=[recording.pk])).status_code == 403


def test_a_complaint_about_no_order_is_entered_by_customer_code(client, staff):
    customer = CustomerFactory(code="C-0042")
    client.force_login(staff["service"])
    response = client.post(reverse("servicedesk:complaint_new"), {
        "customer_code": "c-0042", "channel": "email", "category": category("价格/账单").pk, "severity": "normal",
        "description": "发票抬头开错",
    })
    assert response.status_code == 302
    assert Complaint.objects.get().customer == customer


def test_a_wrong_order_number_is_refused_on_the_form(client, staff):
    client.force_login(staff["service"])
    response = client.post(reverse("servicedesk:complaint_new"), {
        "order_number": "20990101", "channel": "phone", "category": category("其他").pk, "severity": "normal",
        "description": "x",
    })
    assert response.status_code == 200 and "订单 20990101 不存在" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_desk_steps_a_complaint_through_with_one_button_each(client, staff):
    order = make_order(user=staff["sales"])
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=order))
    client.force_login(staff["service"])
    url = reverse("servicedesk:complaint", args=[complaint.number])

    def do(action, **data):
        response = client.post(reverse("servicedesk:complaint_action", args=[complaint.number, action]), data, follow=True)
        assert response.status_code == 200
        return response.content.decode()

    assert 'data-action="start"' in client.get(url).content.decode()
    assert "已开始处理" in do("start", note="已联系")
    assert "已转告销售负责人" in do("note_owner", note="客户对送货时间不满")
    told = StaffNotification.objects.get(recipient=staff["sales"], kind="complaint_note")
    assert "客户对送货时间不满" in told.text
    page = do("propose", resolution="已补偿运费")
    assert "处理结果已提交" in page and 'data-testid="complaint-status">待客户确认' in page
    do("confirm", satisfaction="neutral")
    do("follow_up", satisfaction="satisfied", note="好")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.FOLLOWED_UP


def test_a_refused_step_is_a_message_not_an_error(client, staff):
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=make_order()))
    client.force_login(staff["service"])
    page = client.post(reverse("servicedesk:complaint_action", args=[complaint.number, "propose"]),
                       {"resolution": "x"}, follow=True).content.decode()
    assert "不能提交处理结果" in page


def test_only_the_service_desk_handles_complaints(client, staff):
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=make_order()))
    client.force_login(staff["sales"])
    assert client.get(reverse("servicedesk:complaint", args=[complaint.number])).status_code == 200
    assert client.post(reverse("servicedesk:complaint_action", args=[complaint.number, "start"])).status_code == 403
    client.force_login(staff["warehouse"])
    assert client.get(reverse("servicedesk:complaints")).status_code == 403


def test_the_queue_lists_what_waits_for_me_overdue_first(client, staff):
    services.complaint_open(user=staff["service"], data=complaint_input(order=make_order()))
    client.force_login(staff["service"])
    page = client.get(reverse("servicedesk:complaints")).content.decode()
    assert 'data-testid="complaint-queue"' in page and "TS" in page


def test_a_manager_lands_on_the_escalated_complaints_and_a_clerk_on_their_own(client, staff):
    escalated = services.complaint_open(user=staff["service"], data=complaint_input(order=make_order()))
    services.complaint_escalate(complaint=escalated, user=staff["service"], reason="客户要求主管处理")
    ordinary = services.complaint_open(user=staff["service2"], data=complaint_input(order=make_order()))
    client.force_login(staff["manager"])
    page = client.get(reverse("servicedesk:complaints")).content.decode()
    assert escalated.number in page and ordinary.number not in page
    client.force_login(staff["service2"])
    page = client.get(reverse("servicedesk:complaints")).content.decode()
    assert ordinary.number in page and escalated.number not in page
    assert client.get(reverse("servicedesk:complaints") + "?view=all&category=abc").status_code == 200


def test_a_manager_keeps_the_categories_and_their_improvements(client, staff):
    client.force_login(staff["manager"])
    top = category("物流延误")
    client.post(reverse("servicedesk:category_create"), {"name": "包装破损", "parent": category("商品质量").pk})
    client.post(reverse("servicedesk:category_save", args=[top.pk]), {"improvement": "更换承运商，加急订单走次日达"})
    assert ComplaintCategory.objects.filter(name="包装破损", parent__name="商品质量").exists()
    top.refresh_from_db()
    assert top.improvement == "更换承运商，加急订单走次日达" and top.improvement_updated_by == staff["manager"]
    page = client.get(reverse("servicedesk:categories")).content.decode()
    assert "更换承运商" in page
    client.force_login(staff["service"])
    assert client.post(reverse("servicedesk:category_save", args=[top.pk]), {"improvement": "x"}).status_code == 403


def test_pages_open_for_their_roles(client, staff):
    client.force_login(staff["manager"])
    for name in ("complaints", "analysis", "categories", "monitoring", "notifications", "notification_settings",
                 "complaint_new"):
        assert client.get(reverse(f"servicedesk:{name}")).status_code == 200, name
    client.force_login(user_with_role(roles.ANALYST))
    assert client.get(reverse("servicedesk:analysis")).status_code == 200
    assert client.get(reverse("servicedesk:monitoring")).status_code == 200
