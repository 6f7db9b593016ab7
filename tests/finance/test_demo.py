import pytest
from django.core.management import call_command
from django.utils import timezone

from finance.models import ClosedPeriod, Invoice, InvoiceKind, InvoiceStatus
from finance.selectors import orders_awaiting_invoice
from servicedesk.models import StaffNotification


@pytest.mark.django_db
def test_the_demo_shows_finance_issued_reversed_waiting_invoices_and_a_closed_month():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    statuses = set(Invoice.objects.filter(kind=InvoiceKind.BLUE).values_list("status", flat=True))
    assert statuses == {InvoiceStatus.PENDING, InvoiceStatus.ISSUED, InvoiceStatus.REVERSED}
    assert Invoice.objects.filter(kind=InvoiceKind.RED, status=InvoiceStatus.ISSUED).count() == 1
    assert any(invoice.lines.values("order").distinct().count() > 1 for invoice in Invoice.objects.all()), "合并开票"
    assert orders_awaiting_invoice().count() >= 3, "left for the finance user to invoice"
    assert StaffNotification.objects.filter(recipient__username="finance", kind="invoice_due").count() >= 3
    last_month = timezone.localdate().replace(day=1) - timezone.timedelta(days=1)
    assert ClosedPeriod.objects.filter(month=last_month.replace(day=1)).exists()
    invoices = Invoice.objects.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert Invoice.objects.count() == invoices
