"""Overdue complaints go to the 主管 by themselves (fake clock); a resolution may open an
after-sales case, pay a goodwill refund (approved by another 主管 above the policy amount),
or tell the sales owner."""

from decimal import Decimal

import pytest
import time_machine

from aftersales.models import AfterSalesCase
from ordermgmt import policies
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from orders import services as order_services
from orders.models import Refund
from servicedesk import services, tasks
from servicedesk.models import ComplaintStatus, GoodwillStatus, Severity, StaffNotification
from servicedesk.policies import GOODWILL_APPROVAL_AMOUNT
from tests.factories import delivered_order, make_order
from tests.servicedesk.conftest import at, complaint_input

pytestmark = pytest.mark.django_db


def test_a_complaint_not_answered_in_time_is_escalated_to_every_manager_once(staff):
    with time_machine.travel(at(2026, 12, 4, 16), tick=False):  # Friday 16:00
        complaint = services.complaint_open(user=staff["service"], data=complaint_input(
            order=make_order(), severity=Severity.CRITICAL))
    # 紧急: respond within 1 working hour → Friday 17:00; resolve within 9 → Monday 16:00.
    assert (complaint.respond_due_at, complaint.due_at) == (at(2026, 12, 4, 17), at(2026, 12, 7, 16))
    with time_machine.travel(at(2026, 12, 4, 16, 59), tick=False):
        assert tasks.escalate_overdue_complaints() == 0
    with time_machine.travel(at(2026, 12, 5, 10), tick=False):  # Saturday
        assert tasks.escalate_overdue_complaints() == 1
        assert tasks.escalate_overdue_complaints() == 0, "once per due time"
    complaint.refresh_from_db()
    assert complaint.overdue_since == at(2026, 12, 5, 10) and complaint.escalated_at is not None
    assert "首次响应时限" in complaint.escalation_reason
    assert [e.action for e in complaint.events.all()] == ["open", "overdue", "escalate"]
    told = StaffNotification.objects.filter(kind="complaint_escalated")
    assert {n.recipient for n in told} == {staff["manager"], staff["manager2"], staff["service"]}


def test_a_started_complaint_is_escalated_when_its_resolution_is_late(staff):
    with time_machine.travel(at(2026, 12, 4, 16), tick=False):
        complaint = services.complaint_open(user=staff["service"], data=complaint_input(
            order=make_order(), severity=Severity.CRITICAL))
        services.complaint_start(complaint=complaint, user=staff["service"])
    with time_machine.travel(at(2026, 12, 7, 15, 59), tick=False):  # Monday, one minute before
        assert tasks.escalate_overdue_complaints() == 0
    with time_machine.travel(at(2026, 12, 7, 16, 1), tick=False):
        assert tasks.escalate_overdue_complaints() == 1
    complaint.refresh_from_db()
    assert "超过处理时限" in complaint.escalation_reason
    # A 主管 takes it over.
    services.complaint_assign(complaint=complaint, user=staff["manager"], assignee=staff["manager"])
    assert StaffNotification.objects.filter(kind="complaint_assigned", recipient=staff["manager"]).count() == 0


def test_a_complaint_answered_late_is_escalated_again_when_its_resolution_is_late_too(staff):
    with time_machine.travel(at(2026, 12, 4, 16), tick=False):
        complaint = services.complaint_open(user=staff["service"], data=complaint_input(
            order=make_order(), severity=Severity.CRITICAL))
    with time_machine.travel(at(2026, 12, 5, 10), tick=False):  # first response late (due Friday 17:00)
        assert tasks.escalate_overdue_complaints() == 1
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):
        services.complaint_start(complaint=complaint, user=staff["service"])
    with time_machine.travel(at(2026, 12, 7, 15, 59), tick=False):
        assert tasks.escalate_overdue_complaints() == 0
    with time_machine.travel(at(2026, 12, 7, 16, 1), tick=False):  # resolution due Monday 16:00
        assert tasks.escalate_overdue_complaints() == 1
        assert tasks.escalate_overdue_complaints() == 0, "once per due time"
    complaint.refresh_from_db()
    assert complaint.overdue_since == at(2026, 12, 7, 16, 1) and "超过处理时限" in complaint.escalation_reason
    assert [e.action for e in complaint.events.all()] == ["open", "overdue", "escalate", "start", "overdue", "escalate"]
    assert StaffNotification.objects.filter(kind="complaint_escalated", recipient=staff["manager"]).count() == 2


def test_a_clerk_escalates_on_request_and_the_complaint_stays_where_it_is(staff):
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=make_order()))
    escalated = services.complaint_escalate(complaint=complaint, user=staff["service"], reason="客户要求主管处理")
    assert escalated.status == ComplaintStatus.ACCEPTED and escalated.escalated_at
    assert StaffNotification.objects.filter(kind="complaint_escalated", recipient=staff["manager"]).exists()
    assert not StaffNotification.objects.filter(kind="complaint_escalated", recipient=staff["service"]).exists()
    with pytest.raises(InvalidInput, match="升级原因"):
        services.complaint_escalate(complaint=complaint, user=staff["service"], reason="")


def _complaint_on_a_paid_order(staff, *, price="100.00"):
    order = delivered_order(quantity=4, price=price)
    order_services.payment_record(order=order, user=None, amount=order.balance_due)
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=order))
    services.complaint_start(complaint=complaint, user=staff["service"])
    return order, complaint


def test_a_goodwill_refund_within_the_policy_amount_is_paid_at_once(staff):
    order, complaint = _complaint_on_a_paid_order(staff)
    goodwill = services.goodwill_request(complaint=complaint, user=staff["service"], amount=Decimal("50.00"),
                                         reason="延误补偿")
    assert goodwill.status == GoodwillStatus.PAID
    refund = goodwill.refund
    # A credit note on the order (issue 20): the money goes back and the paid order owes nothing again.
    assert (refund.source, refund.amount, refund.credit_amount, refund.case_number) == (
        Refund.Source.GOODWILL, Decimal("50.00"), Decimal("50.00"), complaint.number)
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("50.00")
    assert order.balance_due == Decimal("0.00")
    assert order.events.filter(action="refund").exists() and order.events.filter(action="complaint_goodwill_paid").exists()
    services.complaint_propose(complaint=complaint, user=staff["service"], resolution="已补偿 ¥50")


def test_a_goodwill_refund_above_the_policy_amount_waits_for_another_manager(staff):
    policies.policy_update(user=staff["manager"], definition=GOODWILL_APPROVAL_AMOUNT, value="100", reason="测试")
    order, complaint = _complaint_on_a_paid_order(staff)
    goodwill = services.goodwill_request(complaint=complaint, user=staff["manager"], amount=Decimal("150.00"),
                                         reason="严重延误")
    assert goodwill.status == GoodwillStatus.PENDING and goodwill.refund is None
    order.refresh_from_db()
    assert order.refunded_amount == 0
    told = {n.recipient for n in StaffNotification.objects.filter(kind="goodwill_approval")}
    assert told == {staff["manager2"]}, "every 主管 but the requester"
    with pytest.raises(InvalidTransition, match="等待主管审批"):
        services.complaint_propose(complaint=complaint, user=staff["manager"], resolution="已补偿")
    with pytest.raises(ActionForbidden, match="不能审批自己申请"):
        services.goodwill_approve(goodwill=goodwill, user=staff["manager"])
    with pytest.raises(ActionForbidden):
        services.goodwill_approve(goodwill=goodwill, user=staff["service"])
    approved = services.goodwill_approve(goodwill=goodwill, user=staff["manager2"], note="同意")
    assert approved.status == GoodwillStatus.PAID and approved.decided_by == staff["manager2"]
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("150.00")
    assert StaffNotification.objects.filter(kind="goodwill_approval", recipient=staff["manager"],
                                            text__contains="已批准").exists()
    services.complaint_propose(complaint=complaint, user=staff["manager"], resolution="已补偿 ¥150")


def test_a_declined_goodwill_refund_pays_nothing(staff):
    order, complaint = _complaint_on_a_paid_order(staff)
    goodwill = services.goodwill_request(complaint=complaint, user=staff["service"], amount=Decimal("300.00"),
                                         reason="客户要求全额补偿")
    declined = services.goodwill_decline(goodwill=goodwill, user=staff["manager"], note="超出合理范围")
    assert declined.status == GoodwillStatus.DECLINED and not Refund.objects.filter(source="goodwill").exists()
    with pytest.raises(InvalidTransition):
        services.goodwill_approve(goodwill=goodwill, user=staff["manager2"])
    assert complaint.events.last().action == "goodwill_declined"


def test_a_goodwill_refund_needs_money_paid_on_the_order(staff):
    order = make_order()
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=order))
    services.complaint_start(complaint=complaint, user=staff["service"])
    with pytest.raises(InvalidInput, match="已付未退"):
        services.goodwill_request(complaint=complaint, user=staff["service"], amount=Decimal("10"), reason="补偿")


def test_a_resolution_may_open_an_after_sales_case_for_a_delivered_order(staff):
    order = delivered_order()
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=order))
    with pytest.raises(InvalidTransition, match="开始处理后"):
        services.complaint_open_after_sales(complaint=complaint, user=staff["service"], service="exchange",
                                            case_type="damaged", description="")
    services.complaint_start(complaint=complaint, user=staff["service"])
    case = services.complaint_open_after_sales(complaint=complaint, user=staff["service"], service="exchange",
                                               case_type="damaged", description="外箱破损")
    assert isinstance(case, AfterSalesCase) and case.source == f"投诉 {complaint.number}"
    complaint.refresh_from_db()
    order.refresh_from_db()
    assert complaint.after_sales_case == case and order.status == "after_sales"
    with pytest.raises(InvalidTransition, match="已转售后"):
        services.complaint_open_after_sales(complaint=complaint, user=staff["service"], service="exchange",
                                            case_type="damaged", description="")
