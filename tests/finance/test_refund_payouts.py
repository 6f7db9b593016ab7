"""A refund actually paid out is an outgoing flow of the settlement account it left from — the
one the customer's money came in on, or the one 财务 chooses — so the account's balance and
flows show it and its voucher credits that account's code; a closed month stays closed
(issue 20, items 3 and 6)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finance import services
from finance.models import AccountFlow, SettlementAccount
from finance.services.accounts import refund_approve_and_pay, refund_payout_record
from finance.services.reconciliation import bank_statement_import
from finance.settlement_selectors import refunds_without_account
from ordermgmt import policies, roles
from ordermgmt.errors import ActionForbidden, InvalidTransition
from ordermgmt.periods import PeriodClosed
from orders import services as order_services
from orders.models import PayoutMethod, Refund, RefundStatus
from tests.factories import delivered_order, user_with_role
from tests.finance.conftest import icbc_workbook
from tests.finance.test_accounts_flows import balance_of
from tests.finance.test_vouchers_compensation import rows, vouchers_by_source

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def cash(db):
    return SettlementAccount.objects.create(name="现金", kind=SettlementAccount.Kind.CASH, ledger_code="100101",
                                            ledger_name="库存现金-门店")


def paid_through(bank, user):
    order = delivered_order(quantity=1)  # ¥113
    data = icbc_workbook([(timezone.localdate().isoformat(), order.customer.name, "", "113.00", f"货款 {order.number}")])
    bank_statement_import(account=bank, user=user, file_name="x.xlsx", data=data)
    order.refresh_from_db()
    assert order.balance_due == 0
    return order


def test_a_refund_paid_at_once_leaves_the_account_the_customer_paid_into(bank, finance_user):
    bank.ledger_code, bank.ledger_name = "100201", "银行存款-工行基本户"
    bank.save()
    order = paid_through(bank, finance_user)
    refund = order_services.refund_record(order=order, user=None, amount=D("20.00"), reason="退差价",
                                          source=Refund.Source.AFTER_SALES)
    flow = AccountFlow.objects.get(refund=refund)
    assert (flow.account, flow.amount, flow.source) == (bank, D("-20.00"), AccountFlow.Source.REFUND)
    assert balance_of(bank) == D("1000.00") + D("113.00") - D("20.00")
    assert rows(vouchers_by_source()[f"refund:{refund.pk}"]) == [
        ("1122", D("20.00"), D("0"), order.customer.name), ("100201", D("0"), D("20.00"), "")]


def test_an_approved_refund_leaves_the_account_finance_chooses(bank, cash, finance_user):
    policies.policy_update(user=None, definition=policies.REFUND_APPROVAL_AMOUNT, value="10", reason="测试")
    order = paid_through(bank, finance_user)
    requester = user_with_role(roles.FINANCE)
    refund = order_services.refund_record(order=order, user=requester, amount=D("50.00"), reason="投诉退款",
                                          source=Refund.Source.AFTER_SALES)
    assert refund.status == RefundStatus.AWAITING_APPROVAL and not AccountFlow.objects.filter(refund=refund).exists()
    with pytest.raises(ActionForbidden):
        refund_approve_and_pay(refund=refund, user=requester, reference="现金", account=cash)
    refund_approve_and_pay(refund=refund, user=finance_user, reference="现金 1", account=cash,
                           payout_method=PayoutMethod.CASH)
    assert AccountFlow.objects.get(refund=refund).account == cash
    assert (balance_of(cash), balance_of(bank)) == (D("-50.00"), D("1113.00"))
    assert rows(vouchers_by_source()[f"refund:{refund.pk}"])[1] == ("100101", D("0"), D("50.00"), "")


def test_a_refund_kept_as_customer_credit_leaves_no_account(bank, finance_user):
    order = paid_through(bank, finance_user)
    refund = order_services.refund_record(order=order, user=None, amount=D("20.00"), reason="转余额",
                                          source=Refund.Source.AFTER_SALES, payout_method=PayoutMethod.CUSTOMER_CREDIT)
    assert not AccountFlow.objects.filter(refund=refund).exists() and refund not in refunds_without_account()
    with pytest.raises(InvalidTransition):
        refund_payout_record(refund=refund, user=finance_user, account=bank)


def test_a_refund_from_an_unknown_account_waits_for_finance_to_choose_it_in_an_open_month(bank, finance_user, people):
    order = delivered_order(quantity=1)
    order_services.payment_record(order=order, user=None, amount=order.balance_due)  # typed in: account unknown
    refund = order_services.refund_record(order=order, user=None, amount=D("13.00"), reason="退差价",
                                          source=Refund.Source.AFTER_SALES)
    assert list(refunds_without_account()) == [refund]
    assert rows(vouchers_by_source()[f"refund:{refund.pk}"])[1][0] == "1002", "the payment method's account meanwhile"

    refund_payout_record(refund=refund, user=finance_user, account=bank)
    assert balance_of(bank) == D("987.00") and not list(refunds_without_account())

    Refund.objects.filter(pk=refund.pk).update(refunded_at=timezone.now() - timedelta(days=40))
    last_month = (timezone.localdate() - timedelta(days=40)).replace(day=1)
    services.period_close(month=last_month, user=people["manager"])
    with pytest.raises(PeriodClosed):
        refund_payout_record(refund=refund, user=finance_user, account=bank)


def test_finance_approves_a_refund_on_the_page_with_the_account_it_leaves(client, bank, cash, finance_user):
    policies.policy_update(user=None, definition=policies.REFUND_APPROVAL_AMOUNT, value="10", reason="测试")
    order = paid_through(bank, finance_user)
    refund = order_services.refund_record(order=order, user=user_with_role(roles.FINANCE), amount=D("60.00"),
                                          reason="投诉退款", source=Refund.Source.AFTER_SALES)
    client.force_login(finance_user)
    page = client.get(reverse("finance:refunds")).content.decode()
    assert f'<option value="{bank.pk}" selected>' in page, "the account the money came in on is proposed"
    client.post(reverse("finance:refund_decide", args=[refund.pk]),
                {"decision": "approve", "reference": "现金 2", "payout_method": "cash", "account": cash.pk})
    assert AccountFlow.objects.get(refund=refund).account == cash


def test_a_refund_already_paid_out_is_recognised_on_the_bank_statement_not_counted_twice(bank, finance_user):
    order = paid_through(bank, finance_user)
    refund = order_services.refund_record(order=order, user=None, amount=D("20.00"), reason="退差价",
                                          source=Refund.Source.AFTER_SALES)
    day = timezone.localdate().isoformat()
    statement = bank_statement_import(account=bank, user=finance_user, file_name="refund.xlsx", data=icbc_workbook(
        [(day, order.customer.name, "", "-20.00", "退款"), (day, "工商银行", "", "-5.00", "手续费")]))

    assert balance_of(bank) == D("1000.00") + D("113.00") - D("20.00") - D("5.00")
    payout = AccountFlow.objects.get(refund=refund)
    assert payout.statement == statement
    assert any("退款" in problem["message"] and order.number in problem["message"] for problem in statement.problems)


def test_an_outgoing_statement_line_imported_again_is_not_booked_twice(bank, finance_user):
    data = icbc_workbook([(timezone.localdate().isoformat(), "工商银行", "", "-5.00", "手续费 2026120501")])
    bank_statement_import(account=bank, user=finance_user, file_name="a.xlsx", data=data)
    again = bank_statement_import(account=bank, user=finance_user, file_name="a-again.xlsx", data=data)

    assert balance_of(bank) == D("995.00")
    assert any("未重复导入" in problem["message"] for problem in again.problems)
