"""代收货款 owed by the carrier until remitted (ageing by carrier); a logistics 赔偿 booked
as a credit note on the order and a claim on the carrier; refunds waiting for 财务 ring the
bell (issue 20, items 4–6)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from finance.models import AccountRole, CarrierClaim, CodCollection, LineStatus, PaymentMatch
from finance.services.cod import cod_ageing
from finance.services.reconciliation import bank_statement_import, match_reverse
from finance.vouchers import month_vouchers
from finance.vouchers.export import account_codes
from fulfillment import services as ff
from fulfillment.models import ExceptionKind, Resolution, ShipmentException
from ordermgmt import roles
from orders import services as order_services
from orders.models import Refund
from orders.review import open_receivables
from servicedesk.models import StaffNotification
from tests.factories import user_with_role
from tests.finance.conftest import icbc_workbook
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db
D = Decimal


def _delivered_cod(staff, carrier, days_ago=0):
    order = allocated_order(staff, payment_method="cod")
    shipment = ship_all(order, staff, carrier)
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        order_services.order_start_transit(order=shipment.order, user=None)
        order_services.order_deliver(order=shipment.order, user=None)
    return shipment.order


def test_cod_collected_at_delivery_is_owed_by_the_carrier_and_aged(staff, carrier):
    old, recent = _delivered_cod(staff, carrier, days_ago=40), _delivered_cod(staff, carrier, days_ago=3)
    assert CodCollection.objects.filter(carrier=carrier).count() == 2
    (row,) = cod_ageing()
    assert row["carrier"] == carrier and row["count"] == 2
    assert row["buckets"] == [recent.total, D("0.00"), D("0.00"), old.total]
    assert row["total"] == old.total + recent.total


def test_a_carrier_remittance_on_the_statement_settles_the_oldest_cod_first(staff, carrier, bank, finance_user):
    old, recent = _delivered_cod(staff, carrier, days_ago=10), _delivered_cod(staff, carrier, days_ago=1)
    data = icbc_workbook([(timezone.localdate().isoformat(), "顺丰速运有限公司", "31001555", str(old.total), "代收货款结算")])
    (line,) = bank_statement_import(account=bank, user=finance_user, file_name="x.xlsx", data=data).lines.all()
    assert line.status == LineStatus.MATCHED and line.matches.get().kind == PaymentMatch.Kind.COD
    (row,) = cod_ageing()
    assert (row["count"], row["total"]) == (1, recent.total), "the older collection is remitted"
    match_reverse(match=line.matches.get(), user=finance_user, reason="银行退回")
    assert cod_ageing()[0]["total"] == old.total + recent.total


def test_a_logistics_compensation_lowers_the_order_balance_and_becomes_a_carrier_claim(staff, carrier):
    order = allocated_order(staff)
    shipment = ship_all(order, staff, carrier)
    flag = ShipmentException.objects.create(shipment=shipment, kind=ExceptionKind.SUSPECTED_LOSS, reason="无轨迹")
    before = open_receivables(order.customer)
    ff.shipment_exception_resolve(exception=flag, user=staff["logistics"], resolution=Resolution.COMPENSATION,
                                  compensation_amount="120.00")
    order.refresh_from_db()
    claim = CarrierClaim.objects.get(exception=flag)
    assert (claim.carrier, claim.amount, claim.refund.source) == (carrier, D("120.00"), Refund.Source.COMPENSATION)
    assert claim.refund.credit_amount == D("120.00") and order.returned_amount == D("120.00")
    assert open_receivables(order.customer) == before - D("120.00")


def test_a_refund_waiting_for_approval_rings_the_finance_bell_but_not_the_requesters(db):
    clerk, colleague = user_with_role(roles.FINANCE), user_with_role(roles.FINANCE)
    from tests.factories import delivered_order

    order = delivered_order(quantity=1)
    order_services.payment_record(order=order, user=None, amount=order.balance_due)
    refund = order_services.refund_record(order=order, user=clerk, amount=D("50.00"), reason="退差价",
                                          source=Refund.Source.AFTER_SALES, payout_account="6217000012345678901")
    assert StaffNotification.objects.filter(recipient=colleague, key=f"refund:{refund.pk}").exists()
    assert not StaffNotification.objects.filter(recipient=clerk).exists()


def test_a_payment_platform_notification_flows_into_the_platforms_settlement_account(db):
    from finance.models import AccountFlow, SettlementAccount
    from integrations.models import PaymentProvider
    from integrations.payments.adapters import PaymentNotice
    from integrations.services import payment_notification_receive
    from tests.factories import delivered_order

    provider = PaymentProvider.objects.create(code="wx", name="微信支付", secret="s")
    account = SettlementAccount.objects.create(name="微信商户", kind=SettlementAccount.Kind.WECHAT,
                                               payment_provider=provider, opening_balance=D("100.00"))
    order = delivered_order(quantity=1)
    notice = PaymentNotice(transaction_id="WX0001", order_number=order.number, amount=order.balance_due,
                           currency="CNY", paid_at=timezone.now(), timestamp=0)
    notification, outcome = payment_notification_receive(provider=provider, notice=notice)
    assert outcome == "recorded"
    flow = AccountFlow.objects.get(account=account)
    assert (flow.notification, flow.amount, flow.source) == (notification, order.total, AccountFlow.Source.PLATFORM)


def test_cod_is_booked_to_the_carriers_receivable_at_delivery_and_to_the_bank_at_remittance(
        staff, carrier, bank, finance_user):
    """代收货款 in the vouchers: at delivery the customer's receivable becomes the carrier's (the
    money is with the courier, not in the bank); the remittance moves it to the bank, and a
    reversed remittance is the same voucher in red."""
    order = _delivered_cod(staff, carrier)
    data = icbc_workbook([(timezone.localdate().isoformat(), "顺丰速运有限公司", "31001555", str(order.total), "代收货款结算")])
    (line,) = bank_statement_import(account=bank, user=finance_user, file_name="x.xlsx", data=data).lines.all()
    match_reverse(match=line.matches.get(), user=finance_user, reason="银行退回")

    accounts = account_codes()
    carrier_code, bank_code = accounts[AccountRole.CARRIER_RECEIVABLE][0], accounts[AccountRole.BANK][0]
    receivable_code = accounts[AccountRole.RECEIVABLE][0]
    vouchers = {v.source.split(":")[0]: v for v in month_vouchers(timezone.localdate())}
    collected, remitted, taken_back = vouchers["payment"], vouchers["cod-remittance"], vouchers["cod-remittance-reversal"]
    assert [(e.account_code, e.debit, e.credit) for e in collected.entries] == [
        (carrier_code, order.total, D("0")), (receivable_code, D("0"), order.total)]
    assert collected.entries[0].partner == carrier.name
    assert [(e.account_code, e.debit, e.credit) for e in remitted.entries] == [
        (bank_code, order.total, D("0")), (carrier_code, D("0"), order.total)]
    assert [(e.account_code, e.debit, e.credit) for e in taken_back.entries] == [
        (bank_code, -order.total, D("0")), (carrier_code, D("0"), -order.total)], "the remittance in red"
    for voucher in (collected, remitted, taken_back):
        assert voucher.debit_total == voucher.credit_total
