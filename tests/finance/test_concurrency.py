"""Two clerks invoicing the same order at once (PostgreSQL): one invoice, the other is told."""

import pytest

from finance import services
from finance.models import Invoice, InvoiceLine
from tests.concurrency import run_together
from tests.finance.conftest import shipped_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_clerks_invoicing_one_order_at_once_invoice_it_once(on_postgres, reference_data, people):
    order = shipped_order()
    other = shipped_order(customer=order.customer)
    clerks = [people["finance"], people["finance2"]]
    # One drafts the order alone, the other merges it with a second order: both lock the order first.
    chosen = [[order], [other, order]]
    results, errors = run_together(2, lambda i: services.invoice_draft(orders=chosen[i], user=clerks[i],
                                                                         invoice_type="normal"))
    assert (len(results), len(errors)) == (1, 1), errors
    assert "不能重复开票" in str(errors[0])
    assert Invoice.objects.count() == 1
    assert InvoiceLine.objects.filter(order=order).values("invoice").distinct().count() == 1


def test_two_clerks_entering_numbers_for_one_invoice_at_once_issue_it_once(on_postgres, reference_data, people):
    invoice = services.invoice_draft(orders=[shipped_order()], user=people["finance"], invoice_type="normal")
    clerks = [people["finance"], people["finance2"]]
    results, errors = run_together(2, lambda i: services.invoice_issue(invoice=invoice, user=clerks[i],
                                                                         number=f"5555000{i}", code="3100243130"))
    assert (len(results), len(errors)) == (1, 1), errors
    invoice.refresh_from_db()
    assert invoice.status == "issued" and invoice.number == results[0].number
