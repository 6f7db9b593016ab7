from decimal import Decimal as D

import pytest

from ordermgmt import roles
from orders import services as order_services
from orders.models import InvoiceType
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, receive


@pytest.fixture
def people(db):
    return {
        "finance": UserFactory(username="fin-clerk", first_name="黄敏", roles=[roles.FINANCE]),
        "finance2": UserFactory(username="fin-clerk2", first_name="钱多", roles=[roles.FINANCE]),
        "manager": UserFactory(username="fin-boss", first_name="李强", roles=[roles.MANAGER]),
        "sales": UserFactory(username="fin-sales", first_name="王芳", roles=[roles.SALES]),
    }


def shipped_order(*, customer=None, lines=(("33.33", 7, "0.13"), ("0.99", 13, "0.09"), ("19.99", 3, "0.06")),
                  invoice_type=InvoiceType.NORMAL, deliver: bool = False):
    """An order with lines at several VAT rates and prices whose tax rounds, walked to 已出库."""
    products = []
    for price, quantity, rate in lines:
        product = ProductFactory(list_price=D(price), vat_rate=D(rate))
        receive(product, quantity + 10)
        products.append((product, quantity, None))
    customer = customer or CustomerFactory(tax_number="91310000MA1K000001")
    order = make_order(customer=customer, lines=products, invoice_type=invoice_type, invoice_title=customer.name)
    order.refresh_from_db()
    if order.status == "pending_review":
        order = order_services.order_approve(order=order, user=None)
    order = order_services.order_ship(order=order, user=None)
    if deliver:
        for step in (order_services.order_start_transit, order_services.order_deliver):
            order = step(order=order, user=None)
    return order
