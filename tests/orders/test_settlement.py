"""Payments, refunds, the order balance, 货到付款, closing and printable vouchers."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from orders import services
from orders.models import OrderStatus, Refund
from orders.review import open_receivables
from tests.factories import CustomerFactory, ProductFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db
D = Decimal


def shipped_order(**kwargs):
    product = ProductFactory(list_price=D("100.00"))
    receive(product, 10)
    order = make_order(lines=[(product, 2, None)], **kwargs)  # ¥226.00 incl. VAT
    order = services.order_approve(order=order, user=None)
    return services.order_ship(order=order, user=None)


def test_payments_and_refunds_keep_the_balance_right():
    order = shipped_order()
    service = user_with_role(roles.SERVICE)
    assert order.balance_due == D("226.00")
    services.payment_record(order=order, user=service, amount=D("200.00"), reference="招行流水 001")
    assert order.balance_due == D("26.00")
    with pytest.raises(InvalidInput):
        services.payment_record(order=order, user=service, amount=D("30.00"))
    services.payment_record(order=order, user=service, amount=D("26.00"))
    assert order.balance_due == D("0.00")
    # A returned line: ¥113 refunded and no longer owed.
    services.refund_record(order=order, user=user_with_role(roles.AFTER_SALES), amount=D("113.00"),
                           credit_amount=D("113.00"), reason="退货一件", source=Refund.Source.AFTER_SALES)
    assert (order.paid_amount, order.refunded_amount, order.returned_amount, order.balance_due) == (
        D("226.00"), D("113.00"), D("113.00"), D("0.00"))
    assert list(order.events.filter(action__in=["payment", "refund"]).values_list("action", flat=True)) == [
        "payment", "payment", "refund"]


def test_refund_cannot_exceed_what_was_paid():
    order = shipped_order()
    services.payment_record(order=order, user=None, amount=D("100.00"))
    with pytest.raises(InvalidInput):
        services.refund_record(order=order, user=None, amount=D("100.01"), reason="多退", source="after_sales")


def test_refunds_are_reflected_in_receivables_for_the_credit_check():
    customer = CustomerFactory()
    order = shipped_order(customer=customer)
    assert open_receivables(customer) == D("226.00")
    services.payment_record(order=order, user=None, amount=D("226.00"))
    assert open_receivables(customer) == D("0.00")
    services.refund_record(order=order, user=None, amount=D("100.00"), reason="价格补差退款", source="compensation")
    assert open_receivables(customer) == D("100.00"), "money refunded without goods returned is owed again"


def test_cash_on_delivery_is_confirmed_at_delivery():
    order = shipped_order(payment_method="cod")
    order = services.order_start_transit(order=order, user=None)
    order = services.order_deliver(order=order, user=user_with_role(roles.LOGISTICS))
    payment = order.payments.get()
    assert (payment.method, payment.amount, order.balance_due) == ("cod", D("226.00"), D("0.00"))


def test_only_finance_roles_record_payments(client):
    order = shipped_order()
    with pytest.raises(ActionForbidden):
        services.payment_record(order=order, user=user_with_role(roles.WAREHOUSE), amount=D("1.00"))
    client.force_login(user_with_role(roles.SALES))
    assert client.post(reverse("orders:payment_create", args=[order.number]), {"amount": "1"}).status_code == 403
    client.force_login(user_with_role(roles.SERVICE))
    response = client.post(reverse("orders:payment_create", args=[order.number]),
                           {"amount": "226.00", "method": "bank_transfer", "reference": "BOC-9"}, follow=True)
    assert "已登记收款 ¥226.00" in response.content.decode()
    order.refresh_from_db()
    assert order.balance_due == 0


def test_manager_closes_an_order_and_it_is_archived_read_only(client):
    order = shipped_order()
    with pytest.raises(ActionForbidden):
        services.order_close(order=order, user=user_with_role(roles.SERVICE), reason="x")
    with pytest.raises(InvalidInput):
        services.order_close(order=order, user=user_with_role(roles.MANAGER), reason="")
    order = services.order_close(order=order, user=user_with_role(roles.MANAGER), reason="货物丢失已赔偿")
    assert order.status == OrderStatus.CLOSED and order.is_archived
    with pytest.raises(InvalidTransition):
        services.order_start_transit(order=order, user=None)
    client.force_login(user_with_role(roles.MANAGER))
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-testid="archived"' in page and "修改订单" not in page
    assert client.get(reverse("orders:list"), {"q": order.number}).context["page"].paginator.count == 1


@pytest.mark.parametrize("kind, text", [
    ("invoice-request", "开票申请单"), ("receipt", "收款收据"), ("delivery-note", "送货单"),
])
def test_printable_vouchers(client, kind, text):
    order = shipped_order(invoice_type="normal", invoice_title="测试客户有限公司")
    services.payment_record(order=order, user=None, amount=D("100.00"), reference="REF-1")
    client.force_login(user_with_role(roles.SERVICE))
    page = client.get(reverse("orders:voucher", args=[order.number, kind])).content.decode()
    assert text in page and order.number in page and "voucher.css" in page
    if kind == "invoice-request":
        assert "测试客户有限公司" in page and "¥226.00" in page
    if kind == "receipt":
        assert "REF-1" in page and "¥126.00" in page
    if kind == "delivery-note":
        assert "¥" not in page.split("<table")[1], "a delivery note shows no prices"


def test_cancelled_order_paid_then_fully_refunded_owes_nothing_anywhere(client):
    """The order page said 应收余额 ¥447.87 for an order cancelled and refunded in full."""
    customer = CustomerFactory()
    product = ProductFactory(list_price=D("140.84"), vat_rate=D("0.06"))
    receive(product, 10)
    order = services.order_approve(order=make_order(customer=customer, lines=[(product, 3, None)]), user=None)
    assert order.total == D("447.87")
    services.payment_record(order=order, user=None, amount=D("447.87"), reference="预付款")
    order = services.order_cancel(order=order, user=user_with_role(roles.SERVICE), reason="客户取消")
    assert (order.status, order.paid_amount, order.refunded_amount) == (OrderStatus.CANCELLED, D("447.87"), D("447.87"))

    assert order.balance_due == D("0.00")
    assert open_receivables(customer) == D("0.00")
    client.force_login(user_with_role(roles.SERVICE))
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert '<dd data-testid="balance"><strong>¥0.00</strong></dd>' in page
    assert "应收余额 ¥447.87" not in page
    assert '<dd data-testid="billed">¥0.00（已取消订单不再应收）</dd>' in page
    receipt = client.get(reverse("orders:voucher", args=[order.number, "receipt"])).content.decode()
    assert "¥447.87</td></tr></table>" not in receipt and "¥0.00</td></tr></table>" in receipt
