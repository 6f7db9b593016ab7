"""Customer statements (对账单): opening balance, the period's entries, closing balance; the
closing balance equals the customer's receivables in the ageing; Excel, PDF and e-mail."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from finance.models import StatementDispatch
from finance.services import statement_send
from finance.statements import customer_statement
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden
from orders import services
from orders.receivables import receivables_ageing
from tests.conftest import need
from tests.factories import CustomerFactory, delivered_order, make_order, user_with_role

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def history():
    """A customer's May and June: orders, a payment, a return, an over-payment, a cancellation."""
    customer = CustomerFactory(payment_terms_days=30)
    with _at(date(2026, 5, 3)):
        may = delivered_order(customer=customer, quantity=2, price="100.00")  # 226.00
    with _at(date(2026, 5, 20)):
        services.payment_record(order=may, user=None, amount=D("100.00"), reference="BANK-1")
    with _at(date(2026, 6, 2)):
        june = delivered_order(customer=customer, quantity=1, price="300.00")  # 339.00
        cancelled = make_order(customer=customer)  # 226.00, paid, then cancelled (and refunded by the cancellation)
    with _at(date(2026, 6, 5)):
        services.payment_record(order=cancelled, user=None, amount=D("226.00"))
        services.order_cancel(order=cancelled, user=None, reason="客户取消")
        # An order cancelled without any money moving is left off the statement.
        services.order_cancel(order=make_order(customer=customer), user=None, reason="重复下单")
        prepaid = make_order(customer=customer)  # 226.00 pending, paid in full then partly returned
        services.payment_record(order=prepaid, user=None, amount=D("226.00"))
    with _at(date(2026, 6, 10)):
        services.refund_record(order=may, user=None, amount=D("0"), credit_amount=D("113.00"), reason="退回1件",
                               source="after_sales")
        services.refund_record(order=june, user=None, amount=D("0"), credit_amount=D("0"), reason="核对", source="after_sales")
    with _at(date(2026, 6, 12)):
        services.payment_record(order=june, user=None, amount=D("339.00"))
    return customer


def test_statement_has_the_opening_balance_the_periods_entries_and_the_closing_balance(history):
    with _at(date(2026, 6, 30)):
        june = customer_statement(history, start=date(2026, 6, 1), end=date(2026, 6, 30))
    assert june.opening == D("126.00")  # May: 226 ordered − 100 paid
    kinds = [line.entry.kind for line in june.lines]
    assert kinds.count("order") == 3 and kinds.count("payment") == 3 and "returned" in kinds
    assert kinds.count("unbilled") == 1 and kinds.count("refund") == 1, "the paid order is reversed when cancelled"
    assert june.debits == D("339.00") + D("226.00") + D("226.00") + D("226.00")
    assert june.credits == D("226.00") + D("226.00") + D("226.00") + D("113.00") + D("339.00")
    assert june.closing == june.opening + june.debits - june.credits == D("13.00")
    assert june.lines[-1].balance == june.closing


def test_statement_closing_balance_equals_the_customers_receivables_in_the_ageing(history):
    # A statement up to today closes at the ageing's balance: what is owed less what is owed back.
    with _at(date(2026, 7, 15)):
        statement = customer_statement(history, start=date(2026, 7, 1), end=date(2026, 7, 15))
        row = receivables_ageing(customer_ids=[history.pk])[history.pk]
    assert row.receivable == D("13.00") and row.owed_back == D("0.00")
    assert statement.closing == row.net == statement.opening
    # …and with money owed back: pay the rest of the May order twice over.
    with _at(date(2026, 7, 16)):
        may = history.orders.order_by("created_at").first()
        services.payment_record(order=may, user=None, amount=D("13.00"))
        services.refund_record(order=history.orders.filter(status="pending_review").get(), user=None,
                               amount=D("0"), credit_amount=D("50.00"), reason="改单减价", source="after_sales")
        statement = customer_statement(history, start=date(2026, 7, 1), end=date(2026, 7, 16))
        row = receivables_ageing(customer_ids=[history.pk])[history.pk]
    assert row.owed_back == D("-50.00") and statement.closing == row.net == D("-50.00")


def test_statement_downloads_as_excel_and_pdf(client, history):
    client.force_login(user_with_role(roles.FINANCE))
    url = reverse("finance:customer_statement", args=[history.pk]) + "?start=2026-06-01&end=2026-06-30"
    with _at(date(2026, 7, 1)):
        page = client.get(url).content.decode()
        workbook = client.get(url + "&format=xlsx")
    assert 'data-testid="closing">¥13.00' in page and 'data-testid="opening">¥126.00' in page
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet["A1"].value.startswith(history.name) and sheet.cell(sheet.max_row, 7).value == 13
    try:
        import weasyprint  # noqa: F401
    except OSError:
        weasyprint = None
    need(weasyprint is not None, "weasyprint's system libraries (pango)")
    with _at(date(2026, 7, 1)):
        pdf = client.get(url + "&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_statement_is_sent_by_email_with_pdf_and_excel_by_a_task_after_commit(django_capture_on_commit_callbacks, history):
    finance = user_with_role(roles.FINANCE)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch = statement_send(user=finance, customer=history, start=date(2026, 6, 1), end=date(2026, 6, 30),
                                  email="ap@example.com")
    dispatch.refresh_from_db()
    assert dispatch.state == StatementDispatch.State.SENT and dispatch.closing_balance == D("13.00")
    message = mail.outbox[-1]
    assert message.to == ["ap@example.com"] and "期末余额：¥13.00" in message.body
    assert [name.rsplit(".", 1)[1] for name, *_ in message.attachments] == ["pdf", "xlsx"]


def test_only_finance_and_managers_send_statements_and_sales_see_only_their_customers(client, history):
    sales = user_with_role(roles.SALES)
    with pytest.raises(ActionForbidden):
        statement_send(user=sales, customer=history, start=date(2026, 6, 1), end=date(2026, 6, 30),
                       email="ap@example.com")
    client.force_login(sales)
    history.owner = user_with_role(roles.SALES, "someone-else")
    history.save()
    assert client.get(reverse("finance:customer_statement", args=[history.pk])).status_code == 404
    assert client.get(reverse("finance:ageing")).status_code == 200
    client.force_login(user_with_role(roles.REVIEWER))
    assert client.get(reverse("finance:ageing")).status_code == 403


def test_opening_receivable_customer_credit_and_reversed_payments_flow_into_statement_and_ageing(history):
    from orders.models import CustomerCredit
    from orders.services.credits import customer_credit_add, opening_receivable_set
    from orders.services.settlement import payment_reverse

    finance = user_with_role(roles.FINANCE)
    with _at(date(2026, 7, 1)):
        opening_receivable_set(customer=history, user=finance, amount=D("1000.00"), as_of=date(2026, 4, 30),
                               due_date=date(2026, 5, 30))
        customer_credit_add(customer=history, user=finance, amount=D("300.00"), kind=CustomerCredit.Kind.OVERPAYMENT,
                            reason="多付款")
        payment_reverse(payment=history.orders.order_by("created_at").first().payments.get(), user=finance,
                        reason="记错订单")
    with _at(date(2026, 7, 2)):
        statement = customer_statement(history, start=date(2026, 7, 1), end=date(2026, 7, 2))
        row = receivables_ageing(customer_ids=[history.pk])[history.pk]
    # 13.00 before; +100.00 reversed payment; +1,000.00 opening (its own due date: 33 days late); −300.00 credit
    assert row.buckets["d31_60"] == D("1000.00") and row.owed_back == D("-300.00")
    assert statement.closing == row.net == D("813.00")
    assert {line.entry.kind for line in statement.lines} == {"payment_reversed", "customer_credit"}
    assert statement.opening == D("1013.00"), "the opening receivable is dated 2026-04-30"
