"""Invoices: totals per tax rate equal the orders' lines to the cent (single, merged, partial
red), the four states 待开票 → 已开票 → 已红冲, one invoice per order, the tax tool's Excel."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from aftersales import services as after_sales
from finance import services
from finance.models import Invoice, InvoiceKind, InvoiceStatus
from finance.selectors import customer_invoicing, order_invoicing, orders_awaiting_invoice, tax_by_rate
from finance.tax import tax_system
from ordermgmt.errors import InvalidInput, InvalidTransition
from orders import services as order_services
from orders.selectors import tax_by_rate as order_tax_by_rate
from servicedesk.models import StaffNotification
from tests.factories import CustomerFactory
from tests.finance.conftest import shipped_order

pytestmark = pytest.mark.django_db


def per_rate(rows) -> dict:
    return {row["rate"]: (row["base"], row["tax"]) for row in rows}


def summed(*orders) -> dict:
    total = {}
    for order in orders:
        for rate, (base, tax) in per_rate(order_tax_by_rate(order)).items():
            old = total.get(rate, (D("0"), D("0")))
            total[rate] = (old[0] + base, old[1] + tax)
    return total


def issue(invoice, user, number="12345678", code="3100243130", on=None):
    return services.invoice_issue(invoice=invoice, user=user, number=number, code=code, issued_on=on or timezone.localdate())


def test_invoice_totals_equal_the_order_lines_per_tax_rate_to_the_cent(people):
    order = shipped_order()
    invoice = services.invoice_draft(orders=[order], user=people["finance"], invoice_type="normal")
    assert per_rate(tax_by_rate(invoice.lines.all())) == per_rate(order_tax_by_rate(order))
    assert set(per_rate(order_tax_by_rate(order))) == {D("0.13"), D("0.09"), D("0.06")}
    assert (invoice.subtotal, invoice.tax_amount, invoice.total) == (order.subtotal, order.tax_amount, order.total)
    assert invoice.status == InvoiceStatus.PENDING and invoice.title == order.customer.name


def test_merged_invoice_of_one_customers_orders_sums_their_lines_per_rate(people):
    customer = CustomerFactory(tax_number="91310000MA1K000002")
    first = shipped_order(customer=customer)
    second = shipped_order(customer=customer, lines=(("7.77", 9, "0.13"), ("123.45", 1, "0.06")))
    invoice = services.invoice_draft(orders=[second, first], user=people["finance"], invoice_type="special")
    assert per_rate(tax_by_rate(invoice.lines.all())) == summed(first, second)
    assert invoice.total == first.total + second.total
    assert list(orders_awaiting_invoice().filter(customer=customer)) == []


def test_orders_of_two_customers_cannot_be_merged(people):
    with pytest.raises(InvalidInput, match="同一客户"):
        services.invoice_draft(orders=[shipped_order(), shipped_order()], user=people["finance"], invoice_type="normal")
    assert not Invoice.objects.exists()


def test_an_order_not_yet_shipped_is_not_invoiced(people):
    from tests.factories import make_order

    with pytest.raises(InvalidTransition, match="出库后才能开票"):
        services.invoice_draft(orders=[make_order()], user=people["finance"], invoice_type="normal")


def test_special_invoice_needs_the_buyers_tax_number(people):
    order = shipped_order(customer=CustomerFactory(tax_number=""))
    with pytest.raises(InvalidInput, match="纳税人识别号"):
        services.invoice_draft(orders=[order], user=people["finance"], invoice_type="special")


def test_four_states_pending_issued_reversed_and_the_order_can_be_invoiced_again(people):
    clerk = people["finance"]
    order = shipped_order()
    invoice = services.invoice_draft(orders=[order], user=clerk, invoice_type="normal")
    assert order_invoicing(order).pending == order.total and order_invoicing(order).invoiced == 0
    with pytest.raises(InvalidTransition, match="已有发票"):
        services.invoice_draft(orders=[order], user=people["finance2"], invoice_type="normal")
    with pytest.raises(InvalidTransition, match="不能红冲"):
        services.invoice_reverse(invoice=invoice, user=clerk, reason="开错", number="87654321", code="3100243130")

    invoice = issue(invoice, clerk)
    assert (invoice.status, invoice.number, invoice.issued_by) == (InvoiceStatus.ISSUED, "12345678", clerk)
    assert (order_invoicing(order).invoiced, order_invoicing(order).uninvoiced) == (order.total, D("0.00"))
    assert "发票已开具：普票 12345678" in order.events.filter(action="invoice").get().reason
    with pytest.raises(InvalidTransition):
        issue(invoice, clerk, number="12345679")
    with pytest.raises(InvalidInput, match="已经登记过"):
        issue(services.invoice_draft(orders=[shipped_order()], user=clerk, invoice_type="normal"), clerk)

    with pytest.raises(InvalidInput, match="原因"):
        services.invoice_reverse(invoice=invoice, user=clerk, reason=" ", number="87654321", code="3100243130")
    red = services.invoice_reverse(invoice=invoice, user=clerk, reason="抬头开错", number="87654321", code="3100243130")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REVERSED
    assert (red.kind, red.status, red.reverses, red.reason) == (InvoiceKind.RED, InvoiceStatus.ISSUED, invoice, "抬头开错")
    assert red.total == -invoice.total
    assert per_rate(tax_by_rate(red.lines.all())) == {r: (-b, -t) for r, (b, t) in per_rate(order_tax_by_rate(order)).items()}
    assert order_invoicing(order).invoiced == 0 and order in orders_awaiting_invoice()
    again = services.invoice_draft(orders=[order], user=clerk, invoice_type="normal")
    assert again.total == order.total


def test_invoice_numbers_as_the_tax_system_issues_them(people):
    invoice = services.invoice_draft(orders=[shipped_order()], user=people["finance"], invoice_type="normal")
    for number, code in [("1234", "3100243130"), ("12345678", ""), ("12345678", "31002")]:
        with pytest.raises(InvalidInput):
            issue(invoice, people["finance"], number=number, code=code)
    issued = issue(invoice, people["finance"], number="25312000000012345678", code="")
    assert issued.number == "25312000000012345678" and issued.code == ""


def return_units(order, line, quantity, user=None):
    case = after_sales.case_open(order=order, user=user, service="return_refund", case_type="quality",
                                 description="有划痕", lines=[after_sales.CaseLineInput(order_line=line, quantity=quantity)])
    after_sales.case_approve(case=case, user=None)
    after_sales.case_receive(case=case, user=None, intact=True, accessories_complete=True)
    return after_sales.case_refund(case=case, user=None)


def test_partial_return_after_invoicing_drafts_a_red_invoice_for_the_returned_part(people):
    clerk = people["finance"]
    order = shipped_order(deliver=True)
    order_services.payment_record(order=order, user=None, amount=order.balance_due)
    blue = issue(services.invoice_draft(orders=[order], user=clerk, invoice_type="normal"), clerk)
    line = order.lines.get(line_no=1)  # 7 × 33.33 at 13 %
    return_units(order, line, 2)

    red = Invoice.objects.get(kind=InvoiceKind.RED)
    assert (red.status, red.reverses, blue.status) == (InvoiceStatus.PENDING, blue, InvoiceStatus.ISSUED)
    assert [(l.order_line, l.quantity, l.amount, l.tax_amount) for l in red.lines.all()] == [
        (line, -2, D("-66.66"), D("-8.67"))]  # 66.66 × 13 % = 8.6658
    assert StaffNotification.objects.filter(recipient=clerk, kind="invoice_due", key=f"red_invoice_due:{red.pk}").exists()
    issue(red, clerk, number="87654321")
    order.refresh_from_db()
    invoicing = order_invoicing(order)
    assert invoicing.invoiced == blue.total + red.total == order.billed_amount
    assert per_rate(tax_by_rate(list(blue.lines.all()) + list(red.lines.all())))[D("0.13")] == (
        line.net_amount - D("66.66"), line.tax_amount - D("8.67"))

    # The rest reversed in full: only what the partial red invoice left.
    final = services.invoice_reverse(invoice=blue, user=clerk, reason="客户要求重开", number="87654322", code="3100243130")
    assert final.total == -(blue.total + red.total)
    assert order_invoicing(order).invoiced == 0
    redo = services.invoice_draft(orders=[order], user=clerk, invoice_type="normal")
    assert [l.quantity for l in redo.lines.filter(order_line=line)] == [5], "the returned units are left out"
    assert redo.total == blue.total + red.total


def test_a_return_before_invoicing_is_left_out_of_the_invoice(people):
    order = shipped_order(deliver=True, lines=(("100.00", 4, "0.13"),))
    return_units(order, order.lines.get(), 1)
    assert not Invoice.objects.exists()
    order.refresh_from_db()
    invoice = services.invoice_draft(orders=[order], user=people["finance"], invoice_type="normal")
    assert (invoice.total, invoice.lines.get().quantity) == (order.billed_amount, 3)


def test_a_return_while_the_invoice_waits_for_its_number_is_taken_off_it(people):
    order = shipped_order(deliver=True, lines=(("100.00", 4, "0.13"), ("10.00", 1, "0.06")))
    pending = services.invoice_draft(orders=[order], user=people["finance"], invoice_type="normal")
    return_units(order, order.lines.get(line_no=1), 1)
    pending.refresh_from_db()
    order.refresh_from_db()
    assert [l.quantity for l in pending.lines.order_by("id")] == [3, 1]
    assert pending.total == order.billed_amount == D("349.60") and not Invoice.objects.filter(kind="red").exists()


def test_a_reversal_waits_for_the_pending_red_invoice(people):
    clerk = people["finance"]
    order = shipped_order(deliver=True)
    blue = issue(services.invoice_draft(orders=[order], user=clerk, invoice_type="normal"), clerk)
    return_units(order, order.lines.get(line_no=2), 1)
    with pytest.raises(InvalidTransition, match="待开的红字发票"):
        services.invoice_reverse(invoice=blue, user=clerk, reason="重开", number="87654321", code="3100243130")


def test_finance_is_told_once_when_an_order_with_an_invoice_requested_ships(people):
    order = shipped_order(deliver=True)
    told = StaffNotification.objects.filter(kind="invoice_due", key=f"invoice_due:{order.pk}")
    assert list(told.values_list("recipient__username", flat=True)) and set(
        told.values_list("recipient__username", flat=True)) == {"fin-clerk", "fin-clerk2"}
    assert told.count() == 2, "shipped then delivered: told once"
    quiet = shipped_order(invoice_type="none")
    assert not StaffNotification.objects.filter(key=f"invoice_due:{quiet.pk}").exists()
    assert quiet not in orders_awaiting_invoice() and order in orders_awaiting_invoice()


def test_the_tax_tool_excel_round_trip_issues_the_pending_invoices(people):
    clerk = people["finance"]
    invoices = [services.invoice_draft(orders=[shipped_order()], user=clerk, invoice_type="normal") for _ in range(2)]
    sent = load_workbook(io.BytesIO(tax_system().send(Invoice.objects.filter(status="pending"))))
    rows = list(sent.active.values)
    assert rows[0][:5] == ("单据号", "发票类型", "购方名称", "购方税号", "商品名称")
    assert sum(D(str(r[12])) for r in rows[1:]) == sum(i.total for i in invoices)

    result = Workbook()
    result.active.append(["单据号", "发票代码", "发票号码", "开票日期"])
    result.active.append([invoices[0].pk, "3100243130", "00000001", date.today().isoformat()])
    result.active.append([invoices[1].pk, "3100243130", "00000002", "2026/13/01"])
    buffer = io.BytesIO()
    result.save(buffer)
    numbers, problems = tax_system().issued(buffer.getvalue())
    assert [p.row for p in problems] == [3]
    issued, refused = services.invoices_record_issued(numbers=numbers, user=clerk)
    assert (issued, refused) == (1, [])
    invoices[0].refresh_from_db()
    assert (invoices[0].status, invoices[0].number, invoices[0].issuer) == ("issued", "00000001", "税控导入")


def test_the_invoicing_panels_read_the_invoiced_and_pending_totals_in_one_query(people):
    # The order panel renders on every order page: one query for the totals, one for the
    # customer's billed amount on the customer page.
    order = shipped_order()
    issue(services.invoice_draft(orders=[order], user=people["finance"], invoice_type="normal"), people["finance"])
    services.invoice_draft(orders=[shipped_order(customer=order.customer)], user=people["finance"],
                           invoice_type="normal")
    with CaptureQueriesContext(connection) as for_order:
        invoicing = order_invoicing(order)
    assert (invoicing.invoiced, invoicing.pending) == (order.total, D("0.00"))
    with CaptureQueriesContext(connection) as for_customer:
        invoicing = customer_invoicing(order.customer)
    assert invoicing.invoiced == order.total and invoicing.pending > 0 and invoicing.uninvoiced == 0
    assert (len(for_order), len(for_customer)) == (1, 2)
