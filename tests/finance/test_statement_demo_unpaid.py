"""A payment reversed (booked against the wrong order, or never received — the demo's unpaid
ageing orders) does not count as paid: the order is late in the payment behaviour."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine

from finance.behaviour import payment_behaviour
from orders import services
from tests.factories import CustomerFactory, delivered_order

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 30)


def _moment(days_ago: int) -> datetime:
    day = TODAY - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)


def test_a_reversed_payment_leaves_its_order_unpaid_in_the_payment_behaviour():
    customer = CustomerFactory(payment_terms_days=30)
    with time_machine.travel(_moment(50), tick=False):
        order = delivered_order(customer=customer, quantity=10, price="100.00")  # ¥1,130.00, due 20 days ago
    payment = services.payment_record(order=order, user=None, amount=D("1130.00"), paid_at=_moment(30))
    assert payment_behaviour(customer, today=TODAY).paid_on_time == 1
    with time_machine.travel(_moment(28), tick=False):
        services.payment_reverse(payment=payment, user=None, reason="银行退票：款项未到账")
    behaviour = payment_behaviour(customer, today=TODAY)
    assert (behaviour.orders_due, behaviour.paid_on_time, behaviour.average_days_late) == (1, 0, D("20.0"))
