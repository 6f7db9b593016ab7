"""Helpers of the finance tests: statement files written like the banks export them, and
orders shipped by a carrier (the fulfillment tests' helpers)."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from finance.models import SettlementAccount
from ordermgmt import roles
from tests.factories import user_with_role
from tests.fulfillment.conftest import _isolated_rate_limits_and_sms, carrier, staff  # noqa: F401

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
