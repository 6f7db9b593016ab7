"""The finance desk and invoice pages, the order and customer panels, and who may do what
(only 财务 and 主管)."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from finance import services
from finance.models import AccountMapping, ClosedPeriod, Invoice, InvoiceStatus
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden
from ordermgmt.roles import ROLE_PERMISSIONS
from tests.finance.conftest import shipped_order

pytestmark = pytest.mark.django_db

FINANCE_WRITES = ["finance.add_invoice", "finance.issue_invoice", "finance.reverse_invoice", "finance.export_vouchers"]


def test_only_finance_and_the_manager_hold_the_finance_permissions():
    holders = {role for role, granted in ROLE_PERMISSIONS.items() if granted == ["*"] or set(FINANCE_WRITES) & set(granted)}
    assert holders == {roles.FINANCE, roles.MANAGER}
    assert "finance.close_period" not in ROLE_PERMISSIONS[roles.FINANCE]
    assert "finance.change_accountmapping" not in ROLE_PERMISSIONS[roles.FINANCE]


def test_a_sales_clerk_cannot_invoice_and_does_not_see_the_finance_pages(people, client):
    order = shipped_order()
    with pytest.raises(ActionForbidden):
        services.invoice_draft(orders=[order], user=people["sales"], invoice_type="normal")
    client.force_login(people["sales"])
    assert client.get(reverse("finance:desk")).status_code == 403
    assert client.post(reverse("finance:invoice_draft"), {"orders": [order.number], "invoice_type": "normal"}).status_code == 403
    assert client.get(reverse("finance:ledger")).status_code == 403
    assert not Invoice.objects.exists()


def test_the_finance_clerk_drafts_issues_prints_and_reverses_from_the_desk(people, client):
    customer_order = shipped_order()
    second = shipped_order(customer=customer_order.customer)
    client.force_login(people["finance"])
    desk = client.get(reverse("finance:desk"))
    assert desk.status_code == 200 and customer_order.number in desk.content.decode()
    assert f'href="{reverse("finance:desk")}"' in desk.content.decode(), "财务 in the menu"

    response = client.post(reverse("finance:invoice_draft"), {"orders": [customer_order.number, second.number],
                                                              "invoice_type": "normal"})
    invoice = Invoice.objects.get()
    assert response.url == reverse("finance:invoice", args=[invoice.pk])
    assert invoice.total == customer_order.total + second.total, "合并开票"
    page = client.get(reverse("finance:invoice", args=[invoice.pk])).content.decode()
    assert 'data-testid="issue-form"' in page

    exported = load_workbook(io.BytesIO(client.get(reverse("finance:pending_export")).content))
    assert exported.active.cell(2, 1).value == invoice.pk

    client.post(reverse("finance:invoice_issue", args=[invoice.pk]),
                {"number": "22223333", "code": "3100243130", "issued_on": timezone.localdate().isoformat()})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    printed = client.get(reverse("finance:invoice_print", args=[invoice.pk])).content.decode()
    assert "22223333" in printed and f"{invoice.total:,.2f}" in printed

    order_page = client.get(reverse("orders:detail", args=[customer_order.number])).content.decode()
    assert 'data-testid="order-invoicing"' in order_page and f"¥{customer_order.total:.2f}" in order_page
    customer_page = client.get(reverse("customers:detail", args=[customer_order.customer.pk])).content.decode()
    assert 'data-testid="customer-invoicing"' in customer_page and f"¥{invoice.total:.2f}" in customer_page

    response = client.post(reverse("finance:invoice_reverse", args=[invoice.pk]),
                           {"reason": "金额有误", "number": "22223334", "code": "3100243130",
                            "issued_on": timezone.localdate().isoformat()})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REVERSED
    assert response.url == reverse("finance:invoice", args=[invoice.red_invoices.get().pk])


def test_the_order_panel_is_hidden_from_roles_without_invoices(people, client):
    order = shipped_order()
    client.force_login(people["sales"])
    page = client.get(reverse("orders:detail", args=[order.number]))
    assert page.status_code in (200, 404) and b'data-testid="order-invoicing"' not in page.content


def test_the_manager_closes_a_month_and_maps_accounts_and_the_clerk_exports(people, client):
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1))
    client.force_login(people["finance"])
    client.post(reverse("finance:period_close"), {"month": f"{last_month:%Y-%m}"})
    assert not ClosedPeriod.objects.exists()
    assert client.get(reverse("finance:account_mapping")).status_code == 403
    export = client.get(reverse("finance:vouchers_export") + f"?month={last_month:%Y-%m}")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")

    client.force_login(people["manager"])
    client.post(reverse("finance:period_close"), {"month": f"{last_month:%Y-%m}"})
    assert ClosedPeriod.objects.get().month == last_month.replace(day=1)
    fields = {}
    for mapping in AccountMapping.objects.all():
        fields[f"{mapping.role}_code"], fields[f"{mapping.role}_name"] = mapping.code, mapping.name
    fields["revenue_code"] = "600101"
    assert client.post(reverse("finance:account_mapping"), fields).status_code == 302
    ledger = client.get(reverse("finance:ledger")).content.decode()
    assert "600101" in ledger and last_month.strftime("%Y-%m") in ledger
