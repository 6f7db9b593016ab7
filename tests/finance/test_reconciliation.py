"""Reconciliation of a bank statement: exact, partial, ambiguous and unknown payments,
over-payment to customer credit, one payment for several orders and several payments for one
order, every match reversible with its effect undone (issue 20, item 3)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finance.models import AccountFlow, ClosedPeriod, LineStatus, PaymentMatch
from finance.services.reconciliation import bank_statement_import, line_ignore, line_match, match_reverse
from ordermgmt.errors import InvalidInput, InvalidTransition
from orders import services as order_services
from orders.models import Payment
from tests.factories import CarrierFactory, CustomerFactory, delivered_order
from tests.finance.conftest import icbc_workbook

pytestmark = pytest.mark.django_db
D = Decimal
ACCOUNT = "6222020200112233445"


def _import(bank, user, rows):
    today = timezone.localdate().isoformat()
    data = icbc_workbook([(today, *row) for row in rows])
    return bank_statement_import(account=bank, user=user, file_name="对账单.xlsx", data=data)


def _lines(statement):
    return list(statement.lines.order_by("row_number"))


def test_a_statement_is_matched_exact_by_order_number_partial_ambiguous_and_unknown(bank, finance_user):
    known = CustomerFactory(bank_account=ACCOUNT)
    by_number = delivered_order(quantity=2)  # ¥226
    partly = delivered_order(quantity=4)  # ¥452
    twins = [delivered_order(customer=known, quantity=1), delivered_order(customer=known, quantity=1)]  # ¥113 each
    statement = _import(bank, finance_user, [
        (by_number.customer.name, "", "226.00", f"货款 {by_number.number}"),
        ("某公司", "", "200.00", f"{partly.number} 首付款"),
        (known.name, ACCOUNT, "113.00", "货款"),
        ("张伟", "6228480010998877665", "880.00", "转账"),
        ("物业公司", "310066", "-500.00", "房租"),
    ])
    exact, partial, ambiguous, unknown = _lines(statement)
    assert exact.status == LineStatus.MATCHED and exact.matches.get().how == PaymentMatch.How.ORDER_NUMBER
    by_number.refresh_from_db()
    partly.refresh_from_db()
    assert by_number.balance_due == D("0.00")
    assert partial.status == LineStatus.MATCHED and partly.balance_due == D("252.00"), "a part payment of the order"
    assert ambiguous.status == LineStatus.AMBIGUOUS and sorted(ambiguous.candidates) == sorted(o.number for o in twins)
    assert ambiguous.customer == known
    assert unknown.status == LineStatus.UNMATCHED and not unknown.matches.exists()
    assert AccountFlow.objects.filter(account=bank).count() == 5, "money out is a flow, not a line"
    payment = Payment.objects.get(order=by_number)
    assert payment.payer_account == "" and payment.bank_match.line == exact


def test_a_payer_recognised_by_account_pays_the_one_order_of_that_amount(bank, finance_user):
    customer = CustomerFactory(bank_account=ACCOUNT)
    small, large = delivered_order(customer=customer, quantity=1), delivered_order(customer=customer, quantity=3)
    (line,) = _lines(_import(bank, finance_user, [("另一个户名", ACCOUNT, "339.00", "")]))
    large.refresh_from_db()
    small.refresh_from_db()
    assert line.status == LineStatus.MATCHED and line.matches.get().how == PaymentMatch.How.PAYER_ACCOUNT
    assert (large.balance_due, small.balance_due) == (D("0.00"), D("113.00"))
    assert Payment.objects.get(order=large).payer_account == ACCOUNT


def test_an_over_payment_becomes_customer_credit_and_its_reversal_takes_it_back(bank, finance_user):
    order = delivered_order(quantity=2)
    (line,) = _lines(_import(bank, finance_user, [("客户", "", "300.00", f"{order.number}")]))
    assert line.status == LineStatus.MATCHED
    assert order_services.customer_credit_balance(order.customer) == D("74.00")
    credit_match = line.matches.get(kind=PaymentMatch.Kind.CREDIT)
    match_reverse(match=credit_match, user=finance_user, reason="客户要求退回多付款")
    assert order_services.customer_credit_balance(order.customer) == D("0.00")
    line.refresh_from_db()
    assert (line.status, line.matched_amount) == (LineStatus.PARTIAL, D("226.00"))


def test_one_payment_settles_several_orders_and_one_order_takes_several_payments(bank, finance_user):
    customer = CustomerFactory()
    first, second = delivered_order(customer=customer, quantity=1), delivered_order(customer=customer, quantity=2)
    line_a, line_b, line_c = _lines(_import(bank, finance_user, [
        ("某某", "1", "150.00", "货款"), ("某某", "2", "100.00", "货款"), ("某某", "3", "89.00", "货款"),
    ]))
    line_match(line=line_a, user=finance_user, orders=[(first, D("113.00")), (second, D("37.00"))])
    line_match(line=line_b, user=finance_user, orders=[(second, D("100.00"))])
    line_match(line=line_c, user=finance_user, orders=[(second, D("89.00"))])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.balance_due, second.balance_due) == (D("0.00"), D("0.00"))
    assert second.payments.count() == 3
    assert {line.status for line in _lines(line_a.statement)} == {LineStatus.MATCHED}


def test_a_reversed_match_leaves_the_order_owing_again_and_the_line_open(bank, finance_user):
    order = delivered_order(quantity=2)
    (line,) = _lines(_import(bank, finance_user, [("客户", "", "226.00", order.number)]))
    with pytest.raises(InvalidInput):
        match_reverse(match=line.matches.get(), user=finance_user, reason="")
    match_reverse(match=line.matches.get(), user=finance_user, reason="对方退票，款项未到账")
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.balance_due == D("226.00")
    assert (line.status, line.matched_amount) == (LineStatus.UNMATCHED, D("0.00"))
    assert Payment.objects.get(order=order).reversed_at is not None
    with pytest.raises(InvalidTransition):
        match_reverse(match=line.matches.get(), user=finance_user, reason="再冲一次")


def test_a_matched_line_cannot_be_matched_again_nor_over_matched(bank, finance_user):
    order = delivered_order(quantity=2)
    matched, other = _lines(_import(bank, finance_user, [("客户", "", "226.00", order.number), ("某某", "", "50.00", "")]))
    with pytest.raises(InvalidTransition):
        line_match(line=matched, user=finance_user, orders=[(order, D("1.00"))])
    with pytest.raises(InvalidInput):
        line_match(line=other, user=finance_user, orders=[(delivered_order(quantity=1), D("60.00"))])
    line_ignore(line=other, user=finance_user, note="银行利息")
    other.refresh_from_db()
    assert other.status == LineStatus.IGNORED


def test_the_same_statement_imported_twice_books_nothing_twice(bank, finance_user):
    order = delivered_order(quantity=2)
    _import(bank, finance_user, [("客户", "", "226.00", order.number)])
    again = _import(bank, finance_user, [("客户", "", "226.00", order.number)])
    assert not again.lines.exists() and "已在对账单" in again.problems[0]["message"]
    assert Payment.objects.filter(order=order).count() == 1


def test_the_opening_receivable_is_paid_by_a_line_of_its_amount(bank, finance_user):
    customer = CustomerFactory(bank_account=ACCOUNT)
    order_services.opening_receivable_set(customer=customer, user=None, amount=D("5000.00"),
                                          as_of=timezone.localdate())
    (line,) = _lines(_import(bank, finance_user, [(customer.name, ACCOUNT, "5000.00", "前欠货款")]))
    assert line.matches.get().kind == PaymentMatch.Kind.OPENING
    customer.opening_receivable.refresh_from_db()
    assert customer.opening_receivable.outstanding == D("0.00")
    match_reverse(match=line.matches.get(), user=finance_user, reason="核错")
    customer.opening_receivable.refresh_from_db()
    assert customer.opening_receivable.outstanding == D("5000.00")


def test_a_line_dated_in_a_closed_month_waits_for_a_clerk_and_the_rest_of_the_statement_is_matched(bank, finance_user):
    """A closed month refuses a payment dated in it; the import keeps that line (unmatched, with
    the reason) instead of refusing the whole statement."""
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1))
    ClosedPeriod.objects.create(month=last_month.replace(day=1))
    late, current = delivered_order(quantity=2), delivered_order(quantity=1)
    data = icbc_workbook([
        (last_month.isoformat(), late.customer.name, "", "226.00", f"货款 {late.number}"),
        (today.isoformat(), current.customer.name, "", "113.00", f"货款 {current.number}"),
    ])
    statement = bank_statement_import(account=bank, user=finance_user, file_name="对账单.xlsx", data=data)
    closed, open_ = _lines(statement)
    assert closed.status == LineStatus.UNMATCHED and not closed.matches.exists()
    assert "已结账" in closed.note
    late.refresh_from_db()
    current.refresh_from_db()
    assert late.balance_due == D("226.00") and current.balance_due == D("0.00")


def _queries_reading(queries, table: str) -> int:
    return sum(1 for q in queries if f'FROM "{table}"' in q["sql"])


def test_an_import_reads_the_customers_and_carriers_once_however_many_lines_it_has(bank, finance_user):
    # Recognising a payer compares the (encrypted) bank accounts of every customer in Python:
    # read once per statement, not once per line.
    CustomerFactory.create_batch(3, bank_account="6222020200199990000")
    CarrierFactory()
    counts = []
    for lines in (2, 8):
        with CaptureQueriesContext(connection) as captured:
            _import(bank, finance_user, [(f"不认识的人{lines}-{n}", f"62280000{lines}{n:04d}", "88.00", "转账")
                                         for n in range(lines)])
        counts.append((_queries_reading(captured.captured_queries, "customers_customer"),
                       _queries_reading(captured.captured_queries, "fulfillment_carrier")))
    assert counts[0] == counts[1], counts
