"""Payment behaviour over 12 months, the suggested credit limit beside the current one on the
customer page, and credit-limit changes recorded with their reason."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from customers.models import CreditLimitChange
from customers.services import customer_credit_limit_change, customer_update
from finance.behaviour import payment_behaviour
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput
from orders import services
from tests.factories import CustomerFactory, delivered_order, user_with_role

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 30)


def _moment(days_ago: int) -> datetime:
    day = TODAY - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)


def _delivered(customer, days_ago: int):
    with time_machine.travel(_moment(days_ago), tick=False):
        return delivered_order(customer=customer, quantity=10, price="100.00")  # ¥1,130.00


@pytest.fixture
def customer():
    """Terms 30 days: one order paid 10 days late, one on time, one 10 days overdue and unpaid."""
    customer = CustomerFactory(payment_terms_days=30, credit_limit=D("50000.00"))
    late, on_time, _unpaid = _delivered(customer, 100), _delivered(customer, 50), _delivered(customer, 40)
    services.payment_record(order=late, user=None, amount=D("1130.00"), paid_at=_moment(60))
    services.payment_record(order=on_time, user=None, amount=D("1000.00"), paid_at=_moment(30))
    services.payment_record(order=on_time, user=None, amount=D("130.00"), paid_at=_moment(25))
    with time_machine.travel(_moment(20), tick=False):
        services.refund_record(order=on_time, user=None, amount=D("50.00"), reason="投诉补偿", source="goodwill")
    return customer


def test_payment_behaviour_counts_days_late_share_on_time_and_disputes_over_12_months(customer):
    behaviour = payment_behaviour(customer, today=TODAY)
    assert behaviour.orders_due == 3 and behaviour.paid_on_time == 1
    assert behaviour.average_days_late == D("6.7")  # (10 + 0 + 10) / 3: the unpaid one is late so far
    assert behaviour.on_time_percent == 33
    assert behaviour.disputed_amount == D("50.00")
    assert behaviour.grade.label == "经常拖欠"
    # ¥3,390 billed in 12 months → ¥282.50 a month × (30 + 30) / 30 days × 0.7, rounded up to ¥1,000
    assert behaviour.suggested_limit == D("1000")


def test_a_customer_without_orders_due_has_no_suggestion():
    behaviour = payment_behaviour(CustomerFactory(), today=TODAY)
    assert behaviour.orders_due == 0 and behaviour.suggested_limit is None


def test_manager_sees_the_suggested_limit_beside_the_current_one_and_sets_it_with_a_reason(client, customer):
    manager = user_with_role(roles.MANAGER)
    client.force_login(manager)
    with time_machine.travel(_moment(0), tick=False):
        page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert 'data-testid="current-limit">¥50,000.00' in page
        assert 'data-testid="suggested-limit"><strong>¥1,000.00' in page
        response = client.post(reverse("finance:credit_limit", args=[customer.pk]),
                               {"new_limit": "1000", "reason": "近一年多次逾期，按建议下调", "suggested_limit": "1000"})
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[customer.pk])
    customer.refresh_from_db()
    change = CreditLimitChange.objects.get(customer=customer)
    assert customer.credit_limit == D("1000.00")
    assert (change.previous_limit, change.new_limit, change.suggested_limit) == (D("50000.00"), D("1000.00"), D("1000.00"))
    assert change.reason == "近一年多次逾期，按建议下调" and change.changed_by == manager
    assert customer.history.order_by("-history_id").first().history_change_reason == "近一年多次逾期，按建议下调"


def test_every_credit_limit_change_needs_a_reason_and_the_panel_form_is_the_managers(customer):
    sales = user_with_role(roles.SALES)
    with pytest.raises(ActionForbidden):
        customer_credit_limit_change(user=sales, customer=customer, new_limit=D("1"), reason="试试")
    with pytest.raises(InvalidInput, match="须填写原因"):
        customer_update(user=sales, customer=customer, credit_limit=D("60000"))
    customer_update(user=sales, customer=customer, credit_limit=D("60000"), credit_limit_reason="新签年度合同")
    customer_update(user=sales, customer=customer, payment_terms_days=45)  # no limit change: no reason needed
    assert list(CreditLimitChange.objects.values_list("new_limit", "reason")) == [(D("60000.00"), "新签年度合同")]
