"""An invoice's details as a PDF download (weasyprint), beside the print page, for whoever may
see the invoice."""

import pytest
from django.urls import reverse
from django.utils import timezone

from finance import services
from tests.conftest import need
from tests.finance.conftest import pdf_text, shipped_order

pytestmark = pytest.mark.django_db


def _weasyprint_usable() -> bool:
    try:
        import weasyprint  # noqa: F401
    except OSError:  # pango missing
        return False
    return True


@pytest.fixture
def issued(people):
    """An issued invoice of one order with lines at 13 %, 9 % and 6 %."""
    order = shipped_order()
    invoice = services.invoice_draft(orders=[order], user=people["finance"], invoice_type="normal")
    return services.invoice_issue(invoice=invoice, user=people["finance"], number="24310000",
                                  code="3100243130", issued_on=timezone.localdate())


def test_the_invoice_downloads_as_a_pdf_with_its_number_buyer_and_amounts_per_rate(people, client, issued):
    need(_weasyprint_usable(), "weasyprint's system libraries (pango)")
    client.force_login(people["finance"])
    page = client.get(reverse("finance:invoice", args=[issued.pk])).content.decode()
    url = reverse("finance:invoice_pdf", args=[issued.pk])
    assert f'href="{url}"' in page, "the invoice page links the PDF"

    response = client.get(url)

    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert "24310000.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "24310000" in text and "3100243130" in text
    assert issued.title in text, "the buyer (购方名称)"
    lines = list(issued.lines.all())
    for rate in {line.vat_rate for line in lines}:
        base = sum(line.amount for line in lines if line.vat_rate == rate)
        tax = sum(line.tax_amount for line in lines if line.vat_rate == rate)
        percent = f"{rate * 100:.0f}%"
        assert f"税率{percent}¥{base:,.2f}¥{tax:,.2f}" in text, percent
    assert f"¥{issued.total:,.2f}" in text, "价税合计"


def test_the_invoice_pdf_is_refused_to_whoever_cannot_see_invoices(people, client, issued):
    client.force_login(people["sales"])
    assert client.get(reverse("finance:invoice_pdf", args=[issued.pk])).status_code == 403
