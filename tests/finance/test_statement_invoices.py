"""Invoices on the customer statement (对账单): the period's issued blue and red invoices are
listed for the customer's own books — on the page, in the Excel file and in the PDF — and
change neither the running balance nor the closing balance."""

import io
from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from finance import services
from finance.exports import statement_pdf
from finance.models import Invoice, InvoiceKind
from finance.statements import customer_statement
from ordermgmt import roles
from orders import services as order_services
from orders.receivables import balance_at, receivables_ageing
from tests.conftest import need
from tests.factories import CustomerFactory, user_with_role
from tests.finance.conftest import pdf_text, shipped_order
from tests.finance.test_invoices import return_units
from tests.finance.test_statements import _at

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = {"start": date(2026, 6, 1), "end": date(2026, 6, 30)}


@pytest.fixture
def invoiced(people):
    """June: an order of 4 × 100.00 at 13 % (452.00) delivered, paid 200.00, invoiced on the
    5th; one unit returned on the 10th and its red invoice (−113.00) issued on the 12th."""
    clerk = people["finance"]
    customer = CustomerFactory(tax_number="91310000MA1K000009", payment_terms_days=30)
    with _at(date(2026, 6, 2)):
        order = shipped_order(customer=customer, lines=(("100.00", 4, "0.13"),), deliver=True)
        order_services.payment_record(order=order, user=None, amount=D("200.00"))
    with _at(date(2026, 6, 5)):
        blue = services.invoice_draft(orders=[order], user=clerk, invoice_type="special")
        services.invoice_issue(invoice=blue, user=clerk, number="12345678", code="3100243130",
                               issued_on=date(2026, 6, 5))
    with _at(date(2026, 6, 10)):
        return_units(order, order.lines.get(), 1)
    red = Invoice.objects.get(kind=InvoiceKind.RED)
    with _at(date(2026, 6, 12)):
        services.invoice_issue(invoice=red, user=clerk, number="87654321", code="3100243130",
                               issued_on=date(2026, 6, 12))
    # Drafted in June, issued in July: not June's.
    with _at(date(2026, 6, 20)):
        later = services.invoice_draft(orders=[shipped_order(customer=customer, lines=(("10.00", 1, "0.13"),))],
                                       user=clerk, invoice_type="normal")
    with _at(date(2026, 7, 2)):
        services.invoice_issue(invoice=later, user=clerk, number="11112222", code="3100243130",
                               issued_on=date(2026, 7, 2))
    return customer


def test_the_periods_issued_invoice_and_partial_red_invoice_are_listed_with_their_amounts(invoiced):
    with _at(date(2026, 7, 3)):
        statement = customer_statement(invoiced, **JUNE)
    assert [(i.number, i.issued_on, i.kind, i.invoice_type, i.total) for i in statement.invoices] == [
        ("12345678", date(2026, 6, 5), InvoiceKind.BLUE, "special", D("452.00")),
        ("87654321", date(2026, 6, 12), InvoiceKind.RED, "special", D("-113.00")),
    ]
    assert statement.invoiced_total == D("339.00")


def test_invoices_change_neither_the_running_balance_nor_the_closing_balance(invoiced):
    with _at(date(2026, 7, 3)):
        statement = customer_statement(invoiced, **JUNE)
        row = receivables_ageing(customer_ids=[invoiced.pk])[invoiced.pk]
        ledger = balance_at(customer_id=invoiced.pk, moment=datetime(2026, 7, 1, tzinfo=SHANGHAI))
    assert {line.entry.kind for line in statement.lines} == {"order", "payment", "returned"}
    # 452.00 + 11.30 ordered − 200.00 paid − 113.00 returned
    assert statement.closing == ledger == D("150.30") == statement.opening + statement.debits - statement.credits
    assert statement.lines[-1].balance == statement.closing
    with _at(date(2026, 7, 3)):
        to_date = customer_statement(invoiced, start=date(2026, 6, 1), end=date(2026, 7, 3))
    assert to_date.closing == row.net, "closing balance equals the ageing's net balance"


def test_page_excel_and_pdf_list_the_invoices_beside_the_unchanged_closing_balance(client, invoiced):
    client.force_login(user_with_role(roles.FINANCE))
    url = reverse("finance:customer_statement", args=[invoiced.pk]) + "?start=2026-06-01&end=2026-06-30"
    with _at(date(2026, 7, 3)):
        page = client.get(url).content.decode()
        workbook = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    assert 'data-testid="closing">¥150.30' in page
    invoices_html = page.split('data-testid="statement-invoices"', 1)[1]
    for text in ("12345678", "87654321", "2026-06-05", "2026-06-12", "¥452.00", "¥-113.00", "红字发票", "专票", "¥339.00"):
        assert text in invoices_html, text
    assert "11112222" not in page

    assert workbook.sheetnames == ["对账单", "本期发票"]
    assert workbook["对账单"].cell(workbook["对账单"].max_row, 7).value == pytest.approx(150.30)
    rows = [[cell.value for cell in row] for row in workbook["本期发票"].iter_rows(min_row=2)]
    assert [(r[0], r[1], r[3], r[5]) for r in rows[:2]] == [
        (datetime(2026, 6, 5), "12345678", "蓝字发票", 452), (datetime(2026, 6, 12), "87654321", "红字发票", -113)]
    assert rows[-1][5] == 339

    try:
        pdf = statement_pdf(customer_statement(invoiced, **JUNE))
    except OSError:
        pdf = None
    need(pdf is not None, "weasyprint's system libraries (pango)")
    text = pdf_text(pdf)
    for expected in ("12345678", "87654321", "2026-06-05", "2026-06-12", "452.00", "-113.00", "150.30"):
        assert expected in text, expected
