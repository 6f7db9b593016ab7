"""Settlement-account flows that are not an order's payment: recorded by hand or classified
after a statement import, shown in the account's balance, booked against the mapped account,
and reversed by a counter flow whose voucher is the original in red (issue 20, items 3 and 9)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finance import services
from finance.models import AccountFlow, SettlementAccount
from finance.services.accounts import (
    account_flow_classify,
    account_flow_record,
    account_flow_reverse,
    account_transfer_record,
)
from finance.services.reconciliation import bank_statement_import, line_ignore
from finance.settlement_selectors import accounts_with_balances
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.periods import PeriodClosed
from tests.finance.conftest import icbc_workbook
from tests.finance.test_vouchers_compensation import rows, vouchers_by_source

pytestmark = pytest.mark.django_db
D = Decimal
Purpose = AccountFlow.Purpose


def balance_of(account) -> Decimal:
    return next(a.balance for a in accounts_with_balances() if a.pk == account.pk)


@pytest.fixture
def cash(db):
    return SettlementAccount.objects.create(name="现金", kind=SettlementAccount.Kind.CASH)


def test_a_bank_fee_recorded_by_hand_lowers_the_balance_and_is_booked_as_a_finance_cost(bank, finance_user):
    flow = account_flow_record(account=bank, user=finance_user, amount=D("-15.00"), purpose=Purpose.BANK_FEE,
                               occurred_on=timezone.localdate(), reference="跨行汇款手续费")
    assert balance_of(bank) == D("985.00")
    assert rows(vouchers_by_source()[f"account-flow:{flow.pk}"]) == [
        ("660302", D("15.00"), D("0"), ""), ("1002", D("0"), D("15.00"), "")]


def test_a_transfer_between_own_accounts_moves_the_balance_through_the_clearing_account(bank, cash, finance_user):
    out, into = account_transfer_record(source=cash, target=bank, user=finance_user, amount=D("300.00"),
                                        occurred_on=timezone.localdate(), note="现金存行")
    assert (balance_of(cash), balance_of(bank)) == (D("-300.00"), D("1300.00"))
    vouchers = vouchers_by_source()
    assert rows(vouchers[f"account-flow:{out.pk}"]) == [("122103", D("300.00"), D("0"), ""),
                                                        ("1001", D("0"), D("300.00"), "")]
    assert rows(vouchers[f"account-flow:{into.pk}"]) == [("1002", D("300.00"), D("0"), ""),
                                                         ("122103", D("0"), D("300.00"), "")]


def test_a_flow_entered_by_mistake_is_reversed_by_a_counter_flow_booked_in_red(bank, finance_user):
    flow = account_flow_record(account=bank, user=finance_user, amount=D("40.00"), purpose=Purpose.OTHER,
                               occurred_on=timezone.localdate(), counterparty="某某公司")
    with pytest.raises(InvalidInput):
        account_flow_reverse(flow=flow, user=finance_user, reason="")
    counter = account_flow_reverse(flow=flow, user=finance_user, reason="重复登记")
    assert balance_of(bank) == D("1000.00")
    vouchers = vouchers_by_source()
    assert rows(vouchers[f"account-flow:{flow.pk}"]) == [("1002", D("40.00"), D("0"), ""),
                                                         ("224101", D("0"), D("40.00"), "某某公司")]
    assert rows(vouchers[f"account-flow:{counter.pk}"]) == [("1002", D("-40.00"), D("0"), ""),
                                                            ("224101", D("0"), D("-40.00"), "某某公司")]
    with pytest.raises(InvalidTransition):
        account_flow_reverse(flow=flow, user=finance_user, reason="再冲一次")


def test_imported_money_that_pays_no_order_is_booked_once_a_clerk_says_what_it_is(bank, finance_user):
    data = icbc_workbook([(timezone.localdate().isoformat(), "工商银行", "", "-8.50", "手续费"),
                          (timezone.localdate().isoformat(), "顺丰速运有限公司", "31001", "120.00", "货损赔款")])
    statement = bank_statement_import(account=bank, user=finance_user, file_name="x.xlsx", data=data)
    fee = AccountFlow.objects.get(account=bank, amount=D("-8.50"))
    claim_line = statement.lines.get()
    assert not [v for v in vouchers_by_source() if v.startswith("account-flow")], "not booked before"

    account_flow_classify(flow=fee, user=finance_user, purpose=Purpose.BANK_FEE)
    with pytest.raises(InvalidTransition):  # an incoming line is booked by its matches until marked 非货款
        account_flow_classify(flow=claim_line.flow, user=finance_user, purpose=Purpose.CARRIER_CLAIM)
    line_ignore(line=claim_line, user=finance_user, note="承运商赔款")
    account_flow_classify(flow=claim_line.flow, user=finance_user, purpose=Purpose.CARRIER_CLAIM)

    vouchers = vouchers_by_source()
    assert rows(vouchers[f"account-flow:{fee.pk}"]) == [("660302", D("8.50"), D("0"), ""),
                                                        ("1002", D("0"), D("8.50"), "")]
    assert rows(vouchers[f"account-flow:{claim_line.flow.pk}"]) == [
        ("1002", D("120.00"), D("0"), ""), ("122102", D("0"), D("120.00"), "顺丰速运有限公司")]
    with pytest.raises(InvalidTransition):
        account_flow_reverse(flow=fee, user=finance_user, reason="银行的流水以银行为准")


def test_a_flow_in_a_closed_month_is_refused_and_sales_may_not_record_one(bank, finance_user, people):
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    services.period_close(month=last_month, user=people["manager"])
    with pytest.raises(PeriodClosed):
        account_flow_record(account=bank, user=finance_user, amount=D("1.00"), purpose=Purpose.INTEREST,
                            occurred_on=last_month)
    with pytest.raises(ActionForbidden):
        account_flow_record(account=bank, user=people["sales"], amount=D("1.00"), purpose=Purpose.INTEREST,
                            occurred_on=timezone.localdate())
    with pytest.raises(InvalidInput):
        account_flow_record(account=bank, user=finance_user, amount=D("1.00"), purpose="",
                            occurred_on=timezone.localdate())


def test_the_account_page_records_a_fee_and_shows_it_in_the_flows(client, bank, finance_user):
    client.force_login(finance_user)
    client.post(reverse("finance:flow_record", args=[bank.pk]),
                {"direction": "out", "amount": "12.00", "purpose": Purpose.BANK_FEE,
                 "occurred_on": timezone.localdate().isoformat(), "reference": "年费"})
    flow = AccountFlow.objects.get(account=bank)
    assert (flow.amount, flow.source, flow.purpose) == (D("-12.00"), AccountFlow.Source.MANUAL, Purpose.BANK_FEE)
    page = client.get(reverse("finance:accounts"), {"account": bank.pk}).content.decode()
    assert "年费" in page and "银行手续费" in page and "988.00" in page


def test_the_mapping_page_has_the_new_accounts_and_each_settlement_accounts_own_code(client, bank, people):
    bank.ledger_code, bank.ledger_name = "100201", "银行存款-工行基本户"
    bank.save()
    client.force_login(people["manager"])
    page = client.get(reverse("finance:account_mapping")).content.decode()
    for label in ("预收账款（客户余额）", "销售费用—赔偿及补偿", "其他应收款—承运商赔款", "财务费用—手续费"):
        assert label in page
    assert "100201" in page and "银行存款-工行基本户" in page


def test_a_purpose_chosen_wrongly_is_corrected_in_an_open_month_and_stays_in_a_closed_one(bank, finance_user,
                                                                                           people, client):
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    bank_statement_import(account=bank, user=finance_user, file_name="x.xlsx", data=icbc_workbook([
        (timezone.localdate().isoformat(), "工商银行", "", "-8.50", "年费"),
        (last_month.isoformat(), "工商银行", "", "-3.00", "短信费")]))
    fee, older = AccountFlow.objects.get(amount=D("-8.50")), AccountFlow.objects.get(amount=D("-3.00"))
    for flow in (fee, older):
        account_flow_classify(flow=flow, user=finance_user, purpose=Purpose.OTHER)

    account_flow_classify(flow=fee, user=finance_user, purpose=Purpose.BANK_FEE, note="银行账户管理费")

    assert rows(vouchers_by_source()[f"account-flow:{fee.pk}"])[0] == ("660302", D("8.50"), D("0"), "")
    client.force_login(finance_user)
    assert "更改用途" in client.get(reverse("finance:accounts") + f"?account={bank.pk}").content.decode()
    services.period_close(month=last_month, user=people["manager"])
    with pytest.raises(PeriodClosed):
        account_flow_classify(flow=older, user=finance_user, purpose=Purpose.BANK_FEE)
