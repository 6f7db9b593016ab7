"""Vouchers of a 赔偿 and of complaint goodwill: the credit note is a selling cost against the
customer's receivable, the carrier's claim a receivable from the carrier, and the money given
back is booked once, by the refund — to the bank, or to 预收账款 when credited toward the next
order (issue 20, items 5 and 9)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from finance.models import CreditNote
from finance.vouchers import month_vouchers
from fulfillment import services as ff
from fulfillment.models import ExceptionKind, Resolution, ShipmentException
from ordermgmt import policies
from orders import services as order_services
from orders.models import Refund, RefundStatus
from tests.factories import delivered_order
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db
D = Decimal


def vouchers_by_source(month=None) -> dict:
    vouchers = month_vouchers(month or timezone.localdate())
    for voucher in vouchers:
        assert voucher.is_balanced, voucher.source
    return {v.source: v for v in vouchers}


def rows(voucher) -> list[tuple]:
    return [(e.account_code, e.debit, e.credit, e.partner) for e in voucher.entries]


def of_kind(vouchers: dict, kind: str) -> list:
    return [v for source, v in vouchers.items() if source.split(":")[0] == kind]


def test_a_logistics_compensation_is_a_selling_cost_and_a_claim_on_the_carrier(staff, carrier):
    order = allocated_order(staff)
    shipment = ship_all(order, staff, carrier)
    flag = ShipmentException.objects.create(shipment=shipment, kind=ExceptionKind.SUSPECTED_LOSS, reason="无轨迹")
    ff.shipment_exception_resolve(exception=flag, user=staff["logistics"], resolution=Resolution.COMPENSATION,
                                  compensation_amount="120.00")
    customer = order.customer.name

    vouchers = vouchers_by_source()
    (credit_note,) = of_kind(vouchers, "credit-note")
    assert rows(credit_note) == [("660107", D("120.00"), D("0"), ""), ("1122", D("0"), D("120.00"), customer)]
    (claim,) = of_kind(vouchers, "carrier-claim")
    assert rows(claim) == [("122102", D("120.00"), D("0"), "顺丰速运"), ("660107", D("0"), D("120.00"), "")]
    assert not of_kind(vouchers, "refund"), "nothing was paid, so no money goes back"


def test_compensation_credited_toward_the_next_order_is_booked_to_advance_receipts_and_used_from_there(db):
    order, next_order = delivered_order(quantity=1), delivered_order(quantity=2)
    next_order.customer = order.customer
    next_order.save(update_fields=["customer"])
    order_services.payment_record(order=order, user=None, amount=order.balance_due, reference="流水 1")
    refund = order_services.order_compensate(order=order, user=None, amount=D("30.00"), source=Refund.Source.GOODWILL,
                                             reason="投诉补偿", to_credit=True)
    payment = order_services.customer_credit_apply(order=next_order, user=None)
    customer = order.customer.name

    vouchers = vouchers_by_source()
    assert rows(vouchers[f"credit-note:{refund.credit_note.pk}"]) == [
        ("660107", D("30.00"), D("0"), ""), ("1122", D("0"), D("30.00"), customer)]
    assert rows(vouchers[f"refund:{refund.pk}"]) == [
        ("1122", D("30.00"), D("0"), customer), ("2203", D("0"), D("30.00"), customer)], "kept as the customer's credit"
    assert rows(vouchers[f"payment:{payment.pk}"]) == [
        ("2203", D("30.00"), D("0"), customer), ("1122", D("0"), D("30.00"), customer)], "the credit pays the order"


def test_a_compensation_paid_back_after_approval_books_its_credit_then_the_money_once(db):
    """The credit note keeps the day the compensation was granted although the refund's date
    moves to the approval: the first month's vouchers do not change."""
    policies.policy_update(user=None, definition=policies.REFUND_APPROVAL_AMOUNT, value="10", reason="测试")
    granted_on = timezone.now() - timedelta(days=40)
    with time_machine.travel(granted_on, tick=False):
        order = delivered_order(quantity=1)
        order_services.payment_record(order=order, user=None, amount=order.balance_due, reference="流水 2")
        refund = order_services.order_compensate(order=order, user=None, amount=D("50.00"),
                                                 source=Refund.Source.COMPENSATION, reason="货损赔偿", to_credit=False)
        assert refund.status == RefundStatus.AWAITING_APPROVAL
    first_month = vouchers_by_source(granted_on.date())
    order_services.refund_approve(refund=refund, user=None, reference="工行 1")

    assert vouchers_by_source(granted_on.date()).keys() == first_month.keys()
    assert of_kind(first_month, "credit-note") and not of_kind(first_month, "refund")
    now = vouchers_by_source()
    assert not of_kind(now, "credit-note")
    assert rows(now[f"refund:{refund.pk}"]) == [("1122", D("50.00"), D("0"), order.customer.name),
                                                ("1002", D("0"), D("50.00"), "")]
    assert CreditNote.objects.filter(refund=refund).count() == 1


def test_a_refund_for_returned_goods_has_no_credit_note(db):
    """Goods returned are credited by the red invoice, not as a compensation cost."""
    order = delivered_order(quantity=1)
    order_services.payment_record(order=order, user=None, amount=order.balance_due)
    order_services.refund_record(order=order, user=None, amount=D("20.00"), credit_amount=D("20.00"),
                                 reason="退货", source=Refund.Source.AFTER_SALES)
    assert not CreditNote.objects.exists()
    assert not of_kind(vouchers_by_source(), "credit-note")
