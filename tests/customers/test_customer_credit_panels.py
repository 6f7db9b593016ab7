"""What a clerk sees of a customer's money beyond single orders: on the customer page the unused
customer credit (客户余额/预收) and the opening receivable still open (期初应收); on the page of
an order that still owes money, the customer credit available to settle it."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from ordermgmt import roles
from orders.models import CustomerCredit
from orders.services import customer_credit_add, customer_credit_balance, opening_receivable_set, opening_receivable_settle, payment_record
from tests.factories import CustomerFactory, make_order, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    customer = CustomerFactory(payment_terms_days=30)
    opening_receivable_set(customer=customer, user=None, amount=D("5000.00"), as_of=date(2026, 1, 31),
                           due_date=date(2026, 3, 2))
    opening_receivable_settle(customer=customer, user=None, amount=D("1200.00"))
    customer_credit_add(customer=customer, user=None, amount=D("300.00"), kind=CustomerCredit.Kind.OVERPAYMENT,
                        reason="多付款")
    return customer


def credit_panel(page: str) -> str:
    return page.split('data-testid="customer-credit"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("role", [roles.FINANCE, roles.MANAGER])
def test_finance_and_managers_see_the_customer_credit_and_the_open_opening_receivable(client, customer, role):
    client.force_login(user_with_role(role))
    panel = credit_panel(client.get(reverse("customers:detail", args=[customer.pk])).content.decode())
    assert 'data-testid="customer-credit-balance">¥300.00' in panel
    assert 'data-testid="opening-outstanding">¥3,800.00' in panel
    assert "2026-03-02" in panel, "the opening receivable's due date"


def test_the_customer_panel_keeps_its_readers_and_says_when_there_is_nothing(client, customer):
    client.force_login(user_with_role(roles.WAREHOUSE))  # sees customers, not their receivables
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-testid="customer-credit"' not in page
    client.force_login(user_with_role(roles.FINANCE))
    plain = CustomerFactory()
    panel = credit_panel(client.get(reverse("customers:detail", args=[plain.pk])).content.decode())
    assert 'data-testid="customer-credit-balance">¥0.00' in panel and 'data-testid="opening-outstanding"' not in panel


@pytest.mark.parametrize("role", [roles.FINANCE, roles.MANAGER])
def test_an_order_that_owes_money_shows_the_customer_credit_available_to_settle_it(client, customer, role):
    order = make_order(customer=customer)  # 226.00, unpaid
    client.force_login(user_with_role(role))
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-testid="order-customer-credit"' in page
    assert 'data-testid="credit-available">¥300.00' in page and 'data-testid="credit-settles">¥226.00' in page


def test_a_paid_order_and_those_who_may_not_see_credit_show_no_credit_panel(client, customer):
    paid = make_order(customer=customer)
    payment_record(order=paid, user=None, amount=paid.total)
    client.force_login(user_with_role(roles.FINANCE))
    page = client.get(reverse("orders:detail", args=[paid.number])).content.decode()
    assert 'data-testid="order-customer-credit"' not in page
    owing = make_order(customer=customer)
    client.force_login(user_with_role(roles.SERVICE))  # sees every order, not the customer's credit
    page = client.get(reverse("orders:detail", args=[owing.number]))
    assert page.status_code == 200 and 'data-testid="order-customer-credit"' not in page.content.decode()


def test_finance_settles_an_order_from_the_customer_credit_on_the_order_page(client, customer):
    order = make_order(customer=customer)  # 226.00, unpaid
    client.force_login(user_with_role(roles.FINANCE))
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-action="apply-credit"' in page and 'value="226.00"' in page

    too_much = client.post(reverse("finance:order_credit_apply", args=[order.pk]), {"amount": "400.00"}, follow=True)
    assert "客户余额只有 ¥300.00" in too_much.content.decode()
    response = client.post(reverse("finance:order_credit_apply", args=[order.pk]), {"amount": "200.00"}, follow=True)

    order.refresh_from_db()
    assert "已用客户余额抵扣 ¥200.00" in response.content.decode()
    assert order.balance_due == D("26.00") and customer_credit_balance(customer) == D("100.00")


def test_who_may_not_see_customer_credit_cannot_spend_it(client, customer):
    order = make_order(customer=customer)
    client.force_login(user_with_role(roles.SERVICE))  # sees every order, not the customer's credit
    assert client.post(reverse("finance:order_credit_apply", args=[order.pk]), {"amount": "10.00"}).status_code == 403
    assert customer_credit_balance(customer) == D("300.00")
