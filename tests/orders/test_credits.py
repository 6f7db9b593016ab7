"""Customer credit, opening receivables, compensations booked as credit notes and refund
approval by 财务 (issue 20): the order balance, the credit and overdue checks and the
month's revenue see them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ordermgmt import policies, roles
from ordermgmt.errors import ActionForbidden, InvalidInput
from orders import services
from orders.models import CustomerCredit, Refund, RefundStatus
from orders.review import load_review_facts, check_credit, check_overdue, open_receivables
from reports.metrics import headline
from tests.factories import CustomerFactory, delivered_order, make_order, user_with_role

pytestmark = pytest.mark.django_db
D = Decimal


def _paid_delivered(customer=None):
    order = delivered_order(customer=customer, quantity=2)  # 2 × ¥113 = ¥226
    services.payment_record(order=order, user=None, amount=order.balance_due)
    return order


def test_a_compensation_on_an_unpaid_order_lowers_its_balance_and_the_receivables():
    customer = CustomerFactory()
    order = delivered_order(customer=customer, quantity=2)
    refund = services.order_compensate(order=order, user=None, amount=D("100.00"), source=Refund.Source.COMPENSATION,
                                       reason="快递丢件赔偿")
    assert (refund.amount, refund.credit_amount) == (D("0.00"), D("100.00"))
    assert order.balance_due == D("126.00")
    assert open_receivables(customer) == D("126.00")


def test_a_compensation_on_a_paid_order_is_refunded_and_the_balance_stays_settled():
    order = _paid_delivered()
    services.order_compensate(order=order, user=None, amount=D("50.00"), source=Refund.Source.COMPENSATION,
                              reason="破损赔偿", to_credit=False)
    assert (order.refunded_amount, order.returned_amount, order.balance_due, order.overpaid_amount) == (
        D("50.00"), D("50.00"), D("0.00"), D("0.00"))


def test_a_compensation_credited_toward_the_next_order_becomes_customer_credit_and_pays_it():
    customer = CustomerFactory()
    order = _paid_delivered(customer)
    services.order_compensate(order=order, user=None, amount=D("50.00"), source=Refund.Source.COMPENSATION,
                              reason="破损赔偿", to_credit=True)
    assert services.customer_credit_balance(customer) == D("50.00")
    assert order.balance_due == D("0.00")
    following = delivered_order(customer=customer, quantity=1)
    assert open_receivables(customer) == D("63.00"), "the credit lowers what the customer owes"
    services.customer_credit_apply(order=following, user=None)
    following.refresh_from_db()
    assert following.balance_due == D("63.00")
    assert services.customer_credit_balance(customer) == D("0.00")


def test_the_credit_check_sees_compensation_and_opening_receivables():
    customer = CustomerFactory(credit_limit=D("1100.00"))
    unpaid = delivered_order(customer=customer, quantity=2)
    services.opening_receivable_set(customer=customer, user=None, amount=D("800.00"),
                                    as_of=timezone.localdate() - timedelta(days=10))
    new = make_order(customer=customer)  # ¥226
    facts = load_review_facts([new])
    assert check_credit(new, facts).result == "block", "226 + 800 + 226 is over the limit"
    services.order_compensate(order=unpaid, user=None, amount=D("226.00"), source=Refund.Source.COMPENSATION,
                              reason="整单丢失赔偿")
    facts = load_review_facts([new])
    assert facts.receivables(new) == D("800.00")
    assert check_credit(new, facts).result == "pass"


def test_an_opening_receivable_past_its_due_date_is_overdue():
    customer = CustomerFactory(payment_terms_days=30)
    services.opening_receivable_set(customer=customer, user=None, amount=D("500.00"),
                                    as_of=timezone.localdate() - timedelta(days=45))
    new = make_order(customer=customer)
    outcome = check_overdue(new, load_review_facts([new]))
    assert outcome.result == "warn" and "期初应收" in outcome.figures["orders"]
    assert outcome.figures["oldest_days_overdue"] == 15
    services.opening_receivable_settle(customer=customer, user=None, amount=D("500.00"))
    assert check_overdue(new, load_review_facts([new])).result == "pass"


def test_the_months_revenue_sees_a_compensation_once():
    order = _paid_delivered()
    today = timezone.localdate()
    before = D(headline(today, today)["revenue"])
    services.order_compensate(order=order, user=None, amount=D("50.00"), source=Refund.Source.COMPENSATION,
                              reason="破损赔偿", to_credit=False)
    assert D(headline(today, today)["revenue"]) == before - D("50.00")


def test_a_refund_above_the_policy_amount_waits_for_another_finance_user():
    policies.policy_update(user=None, definition=policies.REFUND_APPROVAL_AMOUNT, value="100", reason="测试")
    order = _paid_delivered()
    clerk, finance = user_with_role(roles.FINANCE), user_with_role(roles.FINANCE)
    refund = services.refund_record(order=order, user=clerk, amount=D("200.00"), reason="协商退款",
                                    source=Refund.Source.AFTER_SALES)
    assert refund.status == RefundStatus.AWAITING_APPROVAL
    order.refresh_from_db()
    assert order.refunded_amount == D("0.00"), "the money counts once approved"
    with pytest.raises(ActionForbidden):
        services.refund_approve(refund=refund, user=clerk, reference="退款流水 1")
    with pytest.raises(InvalidInput):
        services.refund_approve(refund=refund, user=finance, reference="")
    approved = services.refund_approve(refund=refund, user=finance, reference="招行 20261205001",
                                       payout_method="bank_transfer")
    order.refresh_from_db()
    assert (approved.status, approved.approved_by, approved.reference) == (RefundStatus.PAID, finance, "招行 20261205001")
    assert order.refunded_amount == D("200.00")


def test_a_refund_to_another_account_than_paid_from_needs_approval():
    customer = CustomerFactory(bank_account="6222020200112233445")
    order = delivered_order(customer=customer, quantity=2)
    services.payment_record(order=order, user=None, amount=order.balance_due, payer_account="6222020200112233445")
    same = services.refund_record(order=order, user=None, amount=D("10.00"), reason="补差",
                                  source=Refund.Source.AFTER_SALES, payout_account="6222020200112233445")
    other = services.refund_record(order=order, user=None, amount=D("10.00"), reason="补差",
                                   source=Refund.Source.AFTER_SALES, payout_account="6217000099998888777")
    assert (same.status, other.status) == (RefundStatus.PAID, RefundStatus.AWAITING_APPROVAL)


def test_a_reversed_payment_is_owed_again():
    order = delivered_order(quantity=2)
    payment = services.payment_record(order=order, user=None, amount=D("226.00"))
    services.payment_reverse(payment=payment, user=None, reason="认错客户")
    order.refresh_from_db()
    assert order.balance_due == D("226.00")
    payment.refresh_from_db()
    assert payment.reversed_at is not None


def test_customer_credit_cannot_be_spent_twice():
    customer = CustomerFactory()
    services.customer_credit_add(customer=customer, user=None, amount=D("30.00"),
                                 kind=CustomerCredit.Kind.OVERPAYMENT)
    order = delivered_order(customer=customer, quantity=1)
    with pytest.raises(InvalidInput):
        services.customer_credit_apply(order=order, user=None, amount=D("31.00"))


def test_reversing_a_payment_made_from_customer_credit_gives_the_credit_back():
    customer = CustomerFactory()
    services.customer_credit_add(customer=customer, user=None, amount=D("80.00"),
                                 kind=CustomerCredit.Kind.OVERPAYMENT, reason="多付款")
    order = delivered_order(customer=customer, quantity=1)  # ¥113
    payment = services.customer_credit_apply(order=order, user=None, amount=D("60.00"))
    assert services.customer_credit_balance(customer) == D("20.00")

    services.payment_reverse(payment=payment, user=None, reason="抵扣错了订单")

    order.refresh_from_db()
    assert order.balance_due == D("113.00")
    assert services.customer_credit_balance(customer) == D("80.00")
    assert CustomerCredit.objects.filter(customer=customer, kind=CustomerCredit.Kind.REVERSAL,
                                         amount=D("60.00"), order=order).exists()
