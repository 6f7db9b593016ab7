"""Helpers of the finance tests: people of each role, shipped orders with lines at several VAT
rates, statement files written like the banks export them, and orders shipped by a carrier
(the fulfillment tests' helpers)."""

import io
import re
from decimal import Decimal
from decimal import Decimal as D

import pytest
from openpyxl import Workbook
from pypdf import PdfReader

from finance.models import SettlementAccount
from ordermgmt import roles
from orders import services as order_services
from orders.models import InvoiceType
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, receive, user_with_role
from tests.fulfillment.conftest import _isolated_rate_limits_and_sms, carrier, staff  # noqa: F401


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


ICBC_HEADERS = ["交易日期", "对方户名", "对方账号", "借方发生额", "贷方发生额", "余额", "摘要"]


def icbc_workbook(rows, *, title_rows=2) -> bytes:
    """A 工商银行 account history: title rows, the header, then ``(date, name, account, credit, reference)``
    rows (a negative amount is written as 借方发生额)."""
    workbook = Workbook()
    sheet = workbook.active
    for n in range(title_rows):
        sheet.append([f"中国工商银行 账户历史明细 {n}"])
    sheet.append(ICBC_HEADERS)
    for day, name, account, amount, reference in rows:
        value = Decimal(amount.replace(",", "")) if amount not in (None, "") else None
        debit = float(-value) if value is not None and value < 0 else None
        credit = None
        if value is not None and value > 0:
            credit = amount if "," in amount else float(value)  # as typed, or as a number cell
        sheet.append([day, name, account, debit, credit, None, reference])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def bank(db):
    return SettlementAccount.objects.create(name="工商银行基本户", kind=SettlementAccount.Kind.BANK,
                                            account_number="1001244309200088776", opening_balance=Decimal("1000.00"))


@pytest.fixture
def finance_user(db):
    return user_with_role(roles.FINANCE)


def pdf_text(content: bytes) -> str:
    """The text of a PDF without whitespace (table cells may be split into runs)."""
    return re.sub(r"\s", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))
