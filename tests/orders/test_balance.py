"""What the customer owes has one definition: the Order properties and the database
expressions next to them (orders/models.py) agree in every state, and every place that
shows or sums a balance — order page, credit check, overdue orders — uses them."""

from datetime import timedelta
from decimal import Decimal
from itertools import product as combinations

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales import services as after_sales
from ordermgmt import roles
from orders import services
from orders.models import (
    BALANCE_DUE,
    BILLED_AMOUNT,
    NET_PAID,
    OVERPAID_AMOUNT,
    Order,
    OrderStatus,
    Refund,
)
from orders.review import open_receivables, overdue_orders
from orders.selectors import orders_with_balance_due
from tests.factories import CustomerFactory, ProductFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db
D = Decimal
FIGURES = ("billed_amount", "net_paid", "balance_due", "overpaid_amount")


def _from_database(order: Order) -> tuple:
    row = Order.objects.filter(pk=order.pk).annotate(
        billed=BILLED_AMOUNT, paid=NET_PAID, due=BALANCE_DUE, overpaid=OVERPAID_AMOUNT,
    ).values_list("billed", "paid", "due", "overpaid").get()
    return tuple(D(value).quantize(D("0.01")) for value in row)


def _from_python(order: Order) -> tuple:
    order.refresh_from_db()
    return tuple(getattr(order, name) for name in FIGURES)


@pytest.fixture
def customer():
    return CustomerFactory(credit_limit=D("1000000"))


@pytest.fixture
def new_order(customer):
    """An order of 4 × ¥100 = ¥452.00 incl. VAT for ``customer``, approved (stock allocated)."""
    def make(quantity=4):
        product = ProductFactory(list_price=D("100.00"))
        receive(product, 20)
        order = make_order(customer=customer, lines=[(product, quantity, None)])
        return order, lambda: services.order_approve(order=order, user=None)
    return make


def _pending(new_order):
    order, _approve = new_order()
    return order


def _pending_part_paid(new_order):
    order, _approve = new_order()
    services.payment_record(order=order, user=None, amount=D("100.00"))
    return order


def _shipped_paid(new_order):
    order = services.order_ship(order=new_order()[1](), user=None)
    services.payment_record(order=order, user=None, amount=D("452.00"))
    return order


def _returned_and_refunded(new_order):
    order = _shipped_paid(new_order)
    services.refund_record(order=order, user=None, amount=D("113.00"), credit_amount=D("113.00"),
                           reason="退货一件", source=Refund.Source.AFTER_SALES)
    return order


def _returned_unpaid(new_order):
    order = services.order_ship(order=new_order()[1](), user=None)
    services.refund_record(order=order, user=None, amount=D("0.00"), credit_amount=D("113.00"),
                           reason="退货一件，冲减欠款", source=Refund.Source.AFTER_SALES)
    return order


def _refunded_without_return(new_order):
    order = _shipped_paid(new_order)
    services.refund_record(order=order, user=None, amount=D("100.00"), reason="价格补差",
                           source=Refund.Source.COMPENSATION)
    return order


def _cancelled_unpaid(new_order):
    return services.order_cancel(order=new_order()[1](), user=None, reason="客户取消")


def _cancelled_paid_and_refunded(new_order):
    order = new_order()[1]()
    services.payment_record(order=order, user=None, amount=D("452.00"))
    return services.order_cancel(order=order, user=None, reason="客户取消")


def _rejected_part_paid(new_order):
    order, _approve = new_order()
    services.payment_record(order=order, user=None, amount=D("50.00"))
    return services.order_reject(order=order, user=None, reason="地址模糊")


def _closed_unpaid(new_order):
    order = services.order_ship(order=new_order()[1](), user=None)
    return services.order_close(order=order, user=user_with_role(roles.MANAGER), reason="客户失联")


def _closed_after_cancel_after_shipping(new_order):
    order = _shipped_paid(new_order)
    case = after_sales.order_cancel_after_shipping(order=order, user=None, reason="客户不需要了")
    after_sales.case_receive(case=case, user=None, intact=True, accessories_complete=True)
    case = after_sales.case_refund(case=case, user=None)
    after_sales.case_close(case=case, user=None)
    return order


def _over_paid(new_order):
    # Paid in full; then a line was credited (no longer owed) without the money going back yet.
    order = _shipped_paid(new_order)
    services.refund_record(order=order, user=None, amount=D("0.00"), credit_amount=D("113.00"),
                           reason="少发一件，待退款", source=Refund.Source.AFTER_SALES)
    return order


# (how the order got there, its status, balance due, overpaid)
SCENARIOS = [
    (_pending, OrderStatus.PENDING_REVIEW, D("452.00"), D("0.00")),
    (_pending_part_paid, OrderStatus.PENDING_REVIEW, D("352.00"), D("0.00")),
    (_shipped_paid, OrderStatus.SHIPPED, D("0.00"), D("0.00")),
    (_returned_and_refunded, OrderStatus.SHIPPED, D("0.00"), D("0.00")),
    (_returned_unpaid, OrderStatus.SHIPPED, D("339.00"), D("0.00")),
    (_refunded_without_return, OrderStatus.SHIPPED, D("100.00"), D("0.00")),
    (_cancelled_unpaid, OrderStatus.CANCELLED, D("0.00"), D("0.00")),
    (_cancelled_paid_and_refunded, OrderStatus.CANCELLED, D("0.00"), D("0.00")),
    (_rejected_part_paid, OrderStatus.REJECTED, D("0.00"), D("50.00")),
    (_closed_unpaid, OrderStatus.CLOSED, D("452.00"), D("0.00")),
    (_closed_after_cancel_after_shipping, OrderStatus.CLOSED, D("0.00"), D("0.00")),
    (_over_paid, OrderStatus.SHIPPED, D("0.00"), D("113.00")),
]


@pytest.mark.parametrize("build, status, balance, overpaid", SCENARIOS, ids=[s[0].__name__[1:] for s in SCENARIOS])
def test_balance_is_what_the_customer_still_owes_and_python_and_database_agree(new_order, build, status,
                                                                               balance, overpaid):
    order = build(new_order)
    in_python = _from_python(order)
    assert order.status == status
    assert (order.balance_due, order.overpaid_amount) == (balance, overpaid)
    assert _from_database(order) == in_python


def test_python_and_database_agree_for_every_status_and_every_mix_of_payments(new_order):
    order, _approve = new_order()
    amounts = [D("0.00"), D("100.00"), D("452.00"), D("500.00")]
    for status, paid, refunded, returned in combinations(OrderStatus.values, amounts, amounts, amounts[:3]):
        if refunded > paid:
            continue
        Order.objects.filter(pk=order.pk).update(status=status, paid_amount=paid, refunded_amount=refunded,
                                                 returned_amount=returned)
        assert _from_database(order) == _from_python(order), (status, paid, refunded, returned)


def test_credit_check_sums_the_same_balances_the_order_pages_show(customer, new_order):
    orders = [build(new_order) for build, *_expected in SCENARIOS]
    for order in orders:
        order.refresh_from_db()
    assert open_receivables(customer) == sum((o.balance_due for o in orders), D("0.00")) == D("1695.00")


def test_overdue_orders_owe_their_balance_due(customer, new_order):
    customer.payment_terms_days = 0
    customer.save()
    owing, settled = _returned_unpaid(new_order), _shipped_paid(new_order)
    later = timezone.now() + timedelta(days=1)
    overdue = list(overdue_orders(customer, now=later))
    assert [o.pk for o in overdue] == [owing.pk]
    owing.refresh_from_db()
    assert overdue[0].due == owing.balance_due == D("339.00")
    assert settled.pk not in [o.pk for o in overdue]


def test_order_page_shows_money_held_beyond_what_is_billed_as_owed_back(client, new_order):
    order = _over_paid(new_order)
    client.force_login(user_with_role(roles.SERVICE))
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert '<dd data-testid="balance"><strong>¥0.00</strong></dd>' in page
    assert '<dd data-testid="overpaid">¥113.00</dd>' in page


def test_the_order_lists_unpaid_filter_finds_exactly_the_orders_with_a_balance_due(new_order):
    orders = [build(new_order) for build, *_ in SCENARIOS]
    owing = {order.pk for order in Order.objects.filter(pk__in=[o.pk for o in orders]).annotate(due=BALANCE_DUE)
             .filter(due__gt=0)}
    assert owing == {order.pk for order, (_, _, balance, _) in zip(orders, SCENARIOS) if balance > 0}
    assert set(orders_with_balance_due(Order.objects.all()).values_list("pk", flat=True)) == owing
