"""The monthly vouchers: debits = credits in every voucher, the layout the ledgers import, the
account codes a 主管 maps, the same export for a closed month every time."""

import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from finance import services
from finance.models import AccountMapping
from finance.vouchers import COLUMNS, month_vouchers, vouchers_workbook
from ordermgmt.errors import ActionForbidden, InvalidInput
from orders import services as order_services
from tests.finance.conftest import shipped_order

pytestmark = pytest.mark.django_db


def a_month_of_business(people):
    """Invoices at three VAT rates (one merged), a partial red invoice, a full reversal,
    payments and a refund, all today."""
    from tests.finance.test_invoices import return_units

    clerk = people["finance"]
    order = shipped_order(deliver=True)
    order_services.payment_record(order=order, user=None, amount=order.balance_due, reference="流水 1")
    blue = services.invoice_issue(invoice=services.invoice_draft(orders=[order], user=clerk, invoice_type="normal"),
                                  user=clerk, number="00000001", code="3100243130")
    return_units(order, order.lines.get(line_no=1), 3)
    red = order.invoice_lines.filter(invoice__kind="red").first().invoice
    services.invoice_issue(invoice=red, user=clerk, number="00000002", code="3100243130")
    other = shipped_order(lines=(("1.01", 3, "0.13"), ("2.02", 7, "0.09")))
    wrong = services.invoice_issue(invoice=services.invoice_draft(orders=[other], user=clerk, invoice_type="normal"),
                                   user=clerk, number="00000003", code="3100243130")
    services.invoice_reverse(invoice=wrong, user=clerk, reason="税率错", number="00000004", code="3100243130")
    order_services.payment_record(order=other, user=None, amount=D("5.00"), method="online")
    return order, other


def test_every_voucher_balances_and_each_source_is_booked(people):
    a_month_of_business(people)
    vouchers = month_vouchers(timezone.localdate())
    sources = [v.source.split(":")[0] for v in vouchers]
    assert sources.count("invoice") == 4 and sources.count("payment") == 2 and sources.count("refund") == 1
    for voucher in vouchers:
        assert voucher.debit_total == voucher.credit_total, voucher.source
        assert all((e.debit == 0) != (e.credit == 0) for e in voucher.entries), voucher.source
    assert [v.number for v in vouchers] == list(range(1, len(vouchers) + 1))
    vat = [e for v in vouchers if v.source.startswith("invoice") for e in v.entries if e.account_code == "22210102"]
    assert {e.summary.rsplit("税率", 1)[1] for e in vat} == {"13%", "9%", "6%"}


def test_the_excel_has_the_ledger_columns_and_the_mapped_account_codes(people):
    with pytest.raises(ActionForbidden):
        services.account_mapping_update(user=people["finance"], codes={"bank": ("100201", "银行存款-工行")})
    with pytest.raises(InvalidInput):
        services.account_mapping_update(user=people["manager"], codes={"bank": ("工行", "银行存款")})
    services.account_mapping_update(user=people["manager"], codes={"bank": ("100201", "银行存款-工行")})
    a_month_of_business(people)
    rows = list(load_workbook(io.BytesIO(vouchers_workbook(timezone.localdate()))).active.values)
    assert list(rows[0]) == COLUMNS
    by_voucher = {}
    for row in rows[1:]:
        debit, credit = by_voucher.get(row[3], (D("0"), D("0")))
        by_voucher[row[3]] = (debit + D(str(row[9])), credit + D(str(row[10])))
    assert by_voucher and all(d == c for d, c in by_voucher.values())
    assert "100201" in {row[7] for row in rows[1:]} and "1002" not in {row[7] for row in rows[1:]}
    assert AccountMapping.objects.get(role="bank").name == "银行存款-工行"


def test_a_closed_months_export_is_the_same_every_time(people):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(this_month - timedelta(days=5),
                                                                          timezone.datetime.min.time())) + timedelta(hours=9),
                             tick=False):
        a_month_of_business(people)
        month = timezone.localdate()
    services.period_close(month=month, user=people["manager"])
    first = vouchers_workbook(month)
    order_services.payment_record(order=shipped_order(), user=None, amount=D("1.00"))  # this month's business
    assert vouchers_workbook(month) == first, "same bytes"
    assert len(month_vouchers(month)) == 7


def test_a_refund_waiting_for_approval_is_not_booked_and_a_reversed_payment_is_booked_back(people):
    """Money counts in the ledger when it moves: a refund 财务 has not approved (or declined) has
    not left, and a payment reversed after a wrong match is taken back out by its own voucher."""
    order, refunded = shipped_order(deliver=True), shipped_order(deliver=True)
    payment = order_services.payment_record(order=order, user=None, amount=order.balance_due, reference="流水 9")
    order_services.payment_reverse(payment=payment, user=None, reason="认错客户")
    order_services.payment_record(order=refunded, user=None, amount=refunded.balance_due, reference="流水 10")
    waiting = order_services.refund_record(order=refunded, user=None, amount=D("10.00"), reason="投诉补偿",
                                           source="goodwill", payout_method="bank_transfer",
                                           payout_account="6222999988887777")
    assert waiting.status == "awaiting_approval"

    vouchers = month_vouchers(timezone.localdate())
    sources = [v.source for v in vouchers]
    assert f"refund:{waiting.pk}" not in sources
    assert sources.count(f"payment:{payment.pk}") == 1 and sources.count(f"payment-reversal:{payment.pk}") == 1
    reversal = next(v for v in vouchers if v.source == f"payment-reversal:{payment.pk}")
    original = next(v for v in vouchers if v.source == f"payment:{payment.pk}")
    assert reversal.debit_total == reversal.credit_total == -original.debit_total
    assert [(e.account_code, e.debit, e.credit) for e in reversal.entries] == [
        (e.account_code, -e.debit, -e.credit) for e in original.entries], "the receipt in red (红字冲销)"
