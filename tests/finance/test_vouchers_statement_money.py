"""Vouchers of bank money that pays no order: the opening receivable collected (Cr 应收账款 with
the customer), an over-payment kept as the customer's credit (Cr 预收账款), each against the
settlement account it arrived in (its own ledger code when it has one), and their reversal in
red (issue 20, items 3 and 9)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from finance.services.reconciliation import bank_statement_import, match_reverse
from orders import services as order_services
from tests.factories import CustomerFactory, delivered_order
from tests.finance.conftest import icbc_workbook
from tests.finance.test_vouchers_compensation import of_kind, rows, vouchers_by_source

pytestmark = pytest.mark.django_db
D = Decimal
ACCOUNT = "6222020200112233445"


def _import(bank, user, rows_):
    data = icbc_workbook([(timezone.localdate().isoformat(), *row) for row in rows_])
    return bank_statement_import(account=bank, user=user, file_name="对账单.xlsx", data=data)


def test_money_for_the_opening_receivable_is_booked_against_the_customer_and_reversed_in_red(bank, finance_user):
    customer = CustomerFactory(bank_account=ACCOUNT)
    order_services.opening_receivable_set(customer=customer, user=None, amount=D("800.00"),
                                          as_of=timezone.localdate())
    (line,) = _import(bank, finance_user, [(customer.name, ACCOUNT, "800.00", "还旧账")]).lines.all()
    match = line.matches.get()
    match_reverse(match=match, user=finance_user, reason="银行退回")

    vouchers = vouchers_by_source()
    booked, reversal = vouchers[f"opening-receipt:{match.pk}"], vouchers[f"opening-receipt-reversal:{match.pk}"]
    assert rows(booked) == [("1002", D("800.00"), D("0"), ""), ("1122", D("0"), D("800.00"), customer.name)]
    assert rows(reversal) == [("1002", D("-800.00"), D("0"), ""), ("1122", D("0"), D("-800.00"), customer.name)]


def test_an_over_payment_is_kept_in_advance_receipts_on_the_accounts_own_code(bank, finance_user):
    bank.ledger_code, bank.ledger_name = "100201", "银行存款-工行基本户"
    bank.save()
    order = delivered_order(quantity=1)  # ¥113
    (line,) = _import(bank, finance_user, [(order.customer.name, "", "150.00", f"货款 {order.number}")]).lines.all()
    payment_match, credit_match = line.matches.order_by("id")
    customer = order.customer.name

    vouchers = vouchers_by_source()
    assert rows(vouchers[f"payment:{payment_match.payment_id}"]) == [
        ("100201", D("113.00"), D("0"), ""), ("1122", D("0"), D("113.00"), customer)]
    assert rows(vouchers[f"overpayment:{credit_match.pk}"]) == [
        ("100201", D("37.00"), D("0"), ""), ("2203", D("0"), D("37.00"), customer)]
    summary = vouchers[f"overpayment:{credit_match.pk}"].entries[0].summary
    assert summary.startswith("多付款转客户余额") and customer in summary
    assert not of_kind(vouchers, "cod-remittance")
