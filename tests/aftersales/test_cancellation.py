"""Cancellation by rule: before 已出库 a full refund, after it a return with the policy's refund."""

from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales import services
from aftersales.models import CaseStatus, CaseType
from ordermgmt import policies, roles
from ordermgmt.errors import InvalidTransition
from orders import services as order_services
from orders.models import OrderStatus, Refund
from tests.factories import ProductFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db
D = Decimal


def approved_order(quantity=4):
    product = ProductFactory(list_price=D("100.00"))
    receive(product, 20)
    return order_services.order_approve(order=make_order(lines=[(product, quantity, None)]), user=None)  # ¥452


def test_cancel_before_shipping_refunds_everything_paid_and_releases_stock():
    order = approved_order()
    order_services.payment_record(order=order, user=None, amount=D("452.00"))
    order = order_services.order_cancel(order=order, user=user_with_role(roles.SALES), reason="客户改期")
    refund = order.refunds.get()
    assert order.status == OrderStatus.CANCELLED
    assert (refund.amount, refund.source) == (D("452.00"), Refund.Source.CANCELLATION)
    assert "全额退款" in refund.computation
    assert order.lines.get().allocations.filter(state="active").count() == 0


def test_cancel_before_shipping_without_payment_refunds_nothing():
    order = order_services.order_cancel(order=approved_order(), user=None, reason="客户取消")
    assert not order.refunds.exists()


@pytest.mark.parametrize("stage, percent, expected_credit", [
    ("shipped", D("100"), D("432.00")),     # 452 − 20 freight
    ("in_transit", D("95"), D("409.40")),   # 452 × 95 % = 429.40 − 20
])
def test_cancel_after_shipping_becomes_a_return_refunded_by_the_policy(stage, percent, expected_credit):
    order = order_services.order_ship(order=approved_order(), user=None)
    if stage == "in_transit":
        order = order_services.order_start_transit(order=order, user=None)
    order_services.payment_record(order=order, user=None, amount=D("452.00"))
    quote = services.cancellation_quote(order)
    assert (quote.percent, quote.return_freight, quote.credit) == (percent, D("20.00"), expected_credit)
    assert quote.refund == expected_credit

    sales = user_with_role(roles.SALES)
    case = services.order_cancel_after_shipping(order=order, user=sales, reason="客户不需要了")
    order.refresh_from_db()
    assert order.status == OrderStatus.AFTER_SALES
    assert case.case_type == CaseType.CANCELLED_AFTER_SHIPPING and case.status == CaseStatus.AWAITING_RETURN
    assert case.lines.get().quantity == 4

    handler = user_with_role(roles.AFTER_SALES)
    services.case_receive(case=case, user=handler, intact=True, accessories_complete=True)
    case = services.case_refund(case=case, user=handler)
    order.refresh_from_db()
    assert case.refund_amount == expected_credit
    # Paid 452, refunded the credit, owes nothing: the freight and the stage's cut were kept.
    assert (order.refunded_amount, order.balance_due) == (expected_credit, D("0.00"))
    services.case_close(case=case, user=handler)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED, "a cancellation after shipping ends 已关闭"


def test_policy_values_are_what_a_manager_set():
    manager = user_with_role(roles.MANAGER)
    policies.policy_update(user=manager, definition=policies.RETURN_FREIGHT_FEE, value="35", reason="快递涨价")
    policies.policy_update(user=manager, definition=policies.CANCEL_REFUND_PERCENT_SHIPPED, value="90", reason="新规")
    order = order_services.order_ship(order=approved_order(), user=None)
    quote = services.cancellation_quote(order)
    assert quote.credit == D("371.80")  # 452 × 90 % = 406.80 − 35


def test_the_refund_and_how_it_is_computed_are_shown_before_confirming(client):
    order = order_services.order_ship(order=approved_order(), user=None)
    client.force_login(user_with_role(roles.SERVICE))
    page = client.get(reverse("aftersales:cancel_after_shipping", args=[order.number])).content.decode()
    assert 'data-testid="cancellation-quote"' in page and "¥432.00" in page and "退货运费" in page
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED, "looking at the quote changes nothing"
    response = client.post(reverse("aftersales:cancel_after_shipping", args=[order.number]), {"reason": "客户拒收"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.AFTER_SALES


def test_no_cancellation_after_delivery():
    order = order_services.order_ship(order=approved_order(), user=None)
    order = order_services.order_start_transit(order=order, user=None)
    order = order_services.order_deliver(order=order, user=None)
    with pytest.raises(InvalidTransition):
        services.order_cancel_after_shipping(order=order, user=None, reason="太晚了")
    with pytest.raises(InvalidTransition):
        order_services.order_cancel(order=order, user=None, reason="太晚了")
