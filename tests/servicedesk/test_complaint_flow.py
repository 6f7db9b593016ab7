"""A complaint from every channel goes 已受理 → 处理中 → 待客户确认 → 已解决 → 已回访, each step
once on its own timeline and on the order's; the customer is told the resolution."""

import pytest
import time_machine
from django.core import mail

from fulfillment.models import NotificationMessage
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from orders.models import OrderEvent
from servicedesk import services
from servicedesk.models import Channel, Complaint, ComplaintStatus, Severity, StaffNotification
from tests.factories import CustomerFactory, make_order
from tests.servicedesk.conftest import at, category, complaint_input

pytestmark = pytest.mark.django_db

STAFF_CHANNELS = [c for c in Channel.values if c != Channel.TRACKING]


@pytest.mark.parametrize("channel", STAFF_CHANNELS)
def test_a_complaint_received_on_any_channel_runs_the_whole_flow(staff, channel, django_capture_on_commit_callbacks):
    order = make_order(user=staff["sales"], contact_email="buyer@example.com")
    top, sub = category("物流延误", "未按期送达")
    with time_machine.travel(at(2026, 12, 2, 10), tick=False):  # a Wednesday
        complaint = services.complaint_open(user=staff["service"], data=complaint_input(
            channel=channel, order=order, subcategory=sub, severity=Severity.HIGH))
    assert complaint.number == "TS202612020001"
    assert (complaint.customer, complaint.assignee, complaint.status) == (order.customer, staff["service"], ComplaintStatus.ACCEPTED)
    # 严重: first response within 2 working hours, resolution within 18 (two working days).
    assert complaint.respond_due_at == at(2026, 12, 2, 12) and complaint.due_at == at(2026, 12, 4, 10)

    services.complaint_start(complaint=complaint, user=staff["service"], note="已致电客户")
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_propose(complaint=complaint, user=staff["service"], resolution="已加急补发，明日送达")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.AWAITING_CUSTOMER and complaint.first_response_at
    notice = NotificationMessage.objects.get(order=order, key="complaint_resolved", channel="email")
    assert complaint.number in notice.body and "已加急补发" in notice.body and "/track/c/" in notice.body
    assert any(complaint.number in m.subject for m in mail.outbox)

    services.complaint_confirm(complaint=complaint, satisfaction="satisfied", comment="谢谢")
    services.complaint_follow_up(complaint=complaint, user=staff["service"], satisfaction="satisfied", note="客户确认已收到")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.FOLLOWED_UP and complaint.satisfaction == "satisfied"
    actions = list(complaint.events.values_list("action", flat=True))
    assert actions == ["open", "start", "propose", "confirm", "follow_up"]
    notes = list(order.events.filter(kind=OrderEvent.Kind.NOTE, action__startswith="complaint").values_list("action", flat=True))
    assert notes == ["complaint_open", "complaint_start", "complaint_resolved", "complaint_confirm", "complaint_follow_up"]
    assert f"投诉 {complaint.number} 客户确认已解决" in order.events.get(action="complaint_confirm").reason


def test_a_complaint_about_no_order_is_answered_through_the_outbox(staff, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(
        customer=customer, category=category("服务态度"), channel=Channel.STORE, description="销售态度差"))
    assert complaint.contact_name == "张三" and complaint.contact_phone == "13812345678"
    services.complaint_start(complaint=complaint, user=staff["service"])
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_propose(complaint=complaint, user=staff["service"], resolution="已批评教育并向您致歉")
    sms = NotificationMessage.objects.get(order=None, key="complaint_resolved", channel="sms")
    assert sms.recipient == "13812345678" and complaint.number in sms.body and "/track/c/" in sms.body


def test_complaint_numbers_count_per_day(staff):
    order = make_order()
    numbers = []
    for day in (2, 2, 3):
        with time_machine.travel(at(2026, 12, day, 11), tick=False):
            numbers.append(services.complaint_open(user=staff["service"], data=complaint_input(order=order)).number)
    assert numbers == ["TS202612020001", "TS202612020002", "TS202612030001"]


def test_a_complaint_received_before_it_was_entered_is_numbered_and_due_from_its_receipt(staff):
    order = make_order()
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):  # a Monday: the fax came in on Friday
        complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=order),
                                            received_at=at(2026, 12, 4, 17))
        with pytest.raises(InvalidInput):
            services.complaint_open(user=staff["service"], data=complaint_input(order=order),
                                    received_at=at(2026, 12, 7, 11))
    assert complaint.number == "TS202612040001"
    assert complaint.created_at == at(2026, 12, 4, 17)
    # 一般: 4 working hours to respond, 27 to resolve, from Friday 17:00 over the weekend.
    assert (complaint.respond_due_at, complaint.due_at) == (at(2026, 12, 7, 12), at(2026, 12, 9, 17))
    assert complaint.events.get().created_at == at(2026, 12, 4, 17)


def test_entry_is_checked_and_refused_with_a_message_a_clerk_can_act_on(staff):
    other = make_order()
    with pytest.raises(InvalidInput, match="请选择客户或订单"):
        services.complaint_open(user=staff["service"], data=complaint_input())
    top, sub = category("商品质量", "破损")
    with pytest.raises(InvalidInput, match="不属于"):
        services.complaint_open(user=staff["service"], data=complaint_input(order=other, subcategory=sub))
    with pytest.raises(InvalidInput, match="不是客户"):
        services.complaint_open(user=staff["service"], data=complaint_input(order=other, customer=CustomerFactory()))
    with pytest.raises(ActionForbidden):
        services.complaint_open(user=staff["warehouse"], data=complaint_input(order=other))


def test_steps_out_of_order_are_refused(staff):
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=make_order()))
    with pytest.raises(InvalidTransition, match="已受理"):
        services.complaint_propose(complaint=complaint, user=staff["service"], resolution="x")
    with pytest.raises(InvalidTransition):
        services.complaint_confirm(complaint=complaint, satisfaction="satisfied")
    services.complaint_start(complaint=complaint, user=staff["service"])
    with pytest.raises(InvalidInput, match="处理结果"):
        services.complaint_propose(complaint=complaint, user=staff["service"], resolution=" ")
    with pytest.raises(ActionForbidden):
        services.complaint_propose(complaint=complaint, user=staff["sales"], resolution="已处理")


def test_assignment_tells_the_new_handler(staff):
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=make_order()))
    services.complaint_assign(complaint=complaint, user=staff["service"], assignee=staff["service2"])
    (told,) = StaffNotification.objects.filter(recipient=staff["service2"], kind="complaint_assigned")
    assert complaint.number in told.text and told.link == f"/servicedesk/complaints/{complaint.number}/"
    with pytest.raises(InvalidInput, match="能处理投诉"):
        services.complaint_assign(complaint=complaint, user=staff["service"], assignee=staff["warehouse"])


def test_the_customer_reopens_when_not_satisfied_and_the_clock_starts_again(staff):
    order = make_order()
    with time_machine.travel(at(2026, 12, 1, 9), tick=False):
        complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=order))
        services.complaint_start(complaint=complaint, user=staff["service"])
        services.complaint_propose(complaint=complaint, user=staff["service"], resolution="已退运费")
    with time_machine.travel(at(2026, 12, 3, 15), tick=False):
        reopened = services.complaint_reopen(complaint=complaint, reason="货还没到")
    assert reopened.status == ComplaintStatus.IN_PROGRESS and reopened.reopened_count == 1
    # 一般: 27 working hours from Thursday 15:00 → Tuesday 15:00 (3 + 9 + 9 + 6).
    assert reopened.due_at == at(2026, 12, 8, 15)
    assert complaint.events.last().actor_name == "客户"
    assert StaffNotification.objects.filter(recipient=staff["service"], kind="complaint_assigned",
                                            text__contains="重新打开").exists()
    services.complaint_propose(complaint=complaint, user=staff["service"], resolution="已补发")
    services.complaint_confirm(complaint=complaint, satisfaction="neutral")
    services.complaint_reopen(complaint=complaint, user=staff["service"], reason="回访时客户仍不满意")
    assert Complaint.objects.get(pk=complaint.pk).reopened_count == 2
