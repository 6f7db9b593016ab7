"""The finance user's settlement pages: import the demo's sample statement and see most of
it matched, review a line by hand, approve a refund (four eyes), enter an opening receivable."""

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from finance.demo_reconciliation import SAMPLE_STATEMENT
from finance.models import BankStatement, LineStatus
from ordermgmt import roles
from orders import services as order_services
from orders.models import OpeningReceivable, Refund, RefundStatus
from tests.factories import CustomerFactory, delivered_order, user_with_role
from tests.finance.conftest import icbc_workbook

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_finance_user_sees_every_settlement_page(client, finance_user, bank):
    client.force_login(finance_user)
    for name in ("reconciliation", "accounts", "cod", "refunds"):
        response = client.get(reverse(f"finance:{name}"))
        assert response.status_code == 200, name
    assert "工商银行基本户" in client.get(reverse("finance:accounts")).content.decode()


def test_a_sales_user_may_not_reconcile(client):
    client.force_login(user_with_role(roles.SALES))
    assert client.get(reverse("finance:reconciliation")).status_code == 403


def test_importing_the_sample_statement_matches_most_lines(client, finance_user, bank):
    orders = [delivered_order(quantity=n) for n in (1, 2, 3)]
    rows = [("2026-12-01", o.customer.name, "", str(o.balance_due), f"货款 {o.number}") for o in orders]
    rows.append(("2026-12-01", "张伟", "", "88.00", "转账"))
    default_storage.save(SAMPLE_STATEMENT, io.BytesIO(icbc_workbook(rows)))
    client.force_login(finance_user)
    assert "导入示例对账单" in client.get(reverse("finance:reconciliation")).content.decode()
    response = client.post(reverse("finance:sample_import"), follow=True)
    statement = BankStatement.objects.get()
    assert response.redirect_chain[-1][0] == reverse("finance:statement", args=[statement.pk])
    statuses = list(statement.lines.values_list("status", flat=True))
    assert statuses.count(LineStatus.MATCHED) == 3 and statuses.count(LineStatus.UNMATCHED) == 1
    assert "自动核销 3 笔" in response.content.decode()


def test_a_line_is_matched_by_hand_on_the_statement_page(client, finance_user, bank):
    order = delivered_order(quantity=2)
    client.force_login(finance_user)
    client.post(reverse("finance:statement_import"), {
        "account": bank.pk, "file": _upload(icbc_workbook([("2026-12-01", "某人", "", "100.00", "")]))})
    line = BankStatement.objects.get().lines.get()
    response = client.post(reverse("finance:line_match", args=[line.pk]),
                           {"order_1": order.number, "amount_1": "100.00"}, follow=True)
    assert "已核销" in response.content.decode()
    order.refresh_from_db()
    assert order.balance_due == D("126.00")


def test_a_bad_file_is_refused_with_what_to_do(client, finance_user, bank):
    client.force_login(finance_user)
    response = client.post(reverse("finance:statement_import"), {"account": bank.pk, "file": _upload(b"junk", "x.xlsx")},
                           follow=True)
    assert "文件" in response.content.decode() and not BankStatement.objects.exists()


def test_a_refund_is_approved_on_the_page_by_another_finance_user(client, finance_user):
    order = delivered_order(quantity=1)
    order_services.payment_record(order=order, user=None, amount=order.balance_due)
    requester = user_with_role(roles.FINANCE)
    refund = order_services.refund_record(order=order, user=requester, amount=D("50.00"), reason="退差价",
                                          source=Refund.Source.AFTER_SALES, payout_account="6217000012345678901")
    client.force_login(requester)
    assert "本人申请" in client.get(reverse("finance:refunds")).content.decode()
    client.force_login(finance_user)
    client.post(reverse("finance:refund_decide", args=[refund.pk]),
                {"decision": "approve", "reference": "工行 88001", "payout_method": "bank_transfer"})
    refund.refresh_from_db()
    assert (refund.status, refund.reference, refund.approved_by) == (RefundStatus.PAID, "工行 88001", finance_user)


def test_an_opening_receivable_is_entered_once(client, finance_user):
    customer = CustomerFactory()
    client.force_login(finance_user)
    client.post(reverse("finance:opening_receivable"), {"customer_code": customer.code, "amount": "12,000.00",
                                                        "as_of": "2026-10-01"})
    opening = OpeningReceivable.objects.get(customer=customer)
    assert opening.amount == D("12000.00") and opening.due_date.isoformat() == "2026-10-31"


def _upload(data: bytes, name: str = "对账单.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
