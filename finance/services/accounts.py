"""The account codes the voucher export writes (科目映射), and the settlement accounts' flows
that are not an order's payment: flows a clerk records or classifies (a bank fee, interest, a
transfer between own accounts), their reversal by a counter flow, and refunds paid out of an
account (``refund_payout_record``; ``refund_approve_and_pay`` when 财务 approves one)."""

import re
from datetime import date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.money import to_money
from ordermgmt.periods import assert_period_open
from orders.models import PayoutMethod, Refund, RefundStatus
from orders.services import refund_approve

from ..models import AccountFlow, AccountMapping, SettlementAccount
from ..settlement_selectors import flow_is_unbooked, flow_purpose_correctable
from .common import check_permission

_CODE = re.compile(r"^[0-9][0-9.]{0,29}$")


@transaction.atomic
def account_mapping_update(*, user, codes: dict[str, tuple[str, str]]) -> int:
    """``codes``: {role: (code, name)}. Only a 主管 changes them."""
    check_permission(user, "finance.change_accountmapping", "修改科目映射")
    problems = [role for role, (code, name) in codes.items() if not _CODE.match(code.strip()) or not name.strip()]
    if problems:
        raise InvalidInput("科目代码应为数字（可用小数点分级），科目名称必填：" + "、".join(problems))
    changed = 0
    for mapping in AccountMapping.objects.select_for_update().filter(role__in=codes):
        code, name = (part.strip() for part in codes[mapping.role])
        if (mapping.code, mapping.name) != (code, name):
            mapping.code, mapping.name = code, name
            mapping.save(update_fields=["code", "name"])
            changed += 1
    return changed


# --- settlement-account flows that are not an order's payment -----------------------------

RECONCILE = "finance.reconcile_payments"


def _at_noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _purpose(purpose: str) -> str:
    if purpose not in AccountFlow.Purpose.values:
        raise InvalidInput("请选择这笔流水的用途（手续费、利息、内部转账、承运商赔款、其他）")
    return purpose


@in_platform_language
@transaction.atomic
def account_flow_record(*, account: SettlementAccount, user, amount: Decimal, purpose: str, occurred_on: date,
                        counterparty: str = "", reference: str = "", note: str = "") -> AccountFlow:
    """手工登记: money that moved in an account without a statement to import it (a fee paid
    from the cash box, interest credited): + in, − out, with what it is."""
    check_permission(user, RECONCILE, "登记账户流水")
    amount = to_money(amount)
    if amount == 0:
        raise InvalidInput("金额不能为 0（收入为正，支出为负）")
    assert_period_open(on=occurred_on, what="登记账户流水")
    return AccountFlow.objects.create(account=account, source=AccountFlow.Source.MANUAL, amount=amount,
                                      occurred_at=_at_noon(occurred_on), purpose=_purpose(purpose),
                                      counterparty=counterparty.strip()[:200], reference=reference.strip()[:200],
                                      note=note.strip()[:300], created_by=user)


@in_platform_language
@transaction.atomic
def account_transfer_record(*, source: SettlementAccount, target: SettlementAccount, user, amount: Decimal,
                            occurred_on: date, note: str = "") -> tuple[AccountFlow, AccountFlow]:
    """内部转账 between two own accounts (cash to the bank, the platform to the bank): money out
    of one and into the other, each booked through the transfer clearing account."""
    amount = to_money(amount)
    if amount <= 0:
        raise InvalidInput("转账金额必须大于 0")
    if source.pk == target.pk:
        raise InvalidInput("转出和转入账户不能相同")
    out = account_flow_record(account=source, user=user, amount=-amount, purpose=AccountFlow.Purpose.TRANSFER,
                              occurred_on=occurred_on, counterparty=target.name, note=note)
    into = account_flow_record(account=target, user=user, amount=amount, purpose=AccountFlow.Purpose.TRANSFER,
                               occurred_on=occurred_on, counterparty=source.name, note=note)
    return out, into


@in_platform_language
@transaction.atomic
def account_flow_classify(*, flow: AccountFlow, user, purpose: str, note: str = "") -> AccountFlow:
    """Say what an imported flow that pays no order is, so that the vouchers book it — or
    correct what was said, in an open month."""
    check_permission(user, RECONCILE, "登记账户流水用途")
    locked = AccountFlow.objects.select_for_update(of=("self",)).select_related("statement_line").get(pk=flow.pk)
    if not (flow_is_unbooked(locked) or flow_purpose_correctable(locked)):
        raise InvalidTransition("这笔流水由订单收款或退款记账，不能选用途")
    assert_period_open(on=locked.occurred_at, what="登记账户流水用途")
    locked.purpose, locked.note = _purpose(purpose), (note or "").strip()[:300] or locked.note
    locked.save(update_fields=["purpose", "note"])
    return locked


@in_platform_language
@transaction.atomic
def account_flow_reverse(*, flow: AccountFlow, user, reason: str) -> AccountFlow:
    """冲销 a flow a clerk entered by mistake: a counter flow today (the balance comes back, the
    voucher is the original in red); the original stays."""
    check_permission(user, RECONCILE, "冲销账户流水")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("冲销必须填写原因")
    locked = AccountFlow.objects.select_for_update().get(pk=flow.pk)
    if locked.source != AccountFlow.Source.MANUAL or locked.reversal_of_id:
        raise InvalidTransition("只能冲销手工登记的流水（导入的银行流水以银行为准）")
    if AccountFlow.objects.filter(reversal_of=locked).exists():
        raise InvalidTransition("这笔流水已冲销")
    now = timezone.now()
    assert_period_open(on=now, what="冲销账户流水")
    return AccountFlow.objects.create(account_id=locked.account_id, source=AccountFlow.Source.MANUAL,
                                      amount=-locked.amount, occurred_at=now, purpose=locked.purpose,
                                      counterparty=locked.counterparty, reference=locked.reference,
                                      note=f"冲销：{reason}"[:300], reversal_of=locked, created_by=user)


# --- refunds paid out ---------------------------------------------------------------------

def refund_leaves_an_account(refund: Refund) -> bool:
    """Money actually sent back (kept as the customer's credit, it never leaves)."""
    return (refund.status == RefundStatus.PAID and refund.amount > 0
            and refund.payout_method != PayoutMethod.CUSTOMER_CREDIT)


def account_paid_into(order) -> SettlementAccount | None:
    """The settlement account the order's (latest) money arrived in, when known: the bank
    statement it was matched on, or the platform account that notified it."""
    payments = order.payments.filter(reversed_at__isnull=True).order_by("-paid_at", "-id")
    for payment in payments.select_related("bank_match__line__statement__account"):
        match = getattr(payment, "bank_match", None)
        if match is not None:
            return match.line.statement.account
        flow = (AccountFlow.objects.filter(source=AccountFlow.Source.PLATFORM, reference=payment.reference,
                                           notification__order_number=order.number)
                .select_related("account").first() if payment.reference else None)
        if flow is not None:
            return flow.account
    return None


@transaction.atomic
def refund_payout_record(*, refund: Refund, user, account: SettlementAccount | None = None) -> AccountFlow | None:
    """The refund's money as an outgoing flow of the account it was paid from (``account``, or
    the one the customer's money came in on); None when that is not known yet — 财务 then
    chooses it on the refunds page. Choosing again moves the flow, in an open month only."""
    check_permission(user, "orders.approve_refund", "登记退款付款账户")
    locked = Refund.objects.select_for_update(of=("self",)).select_related("order__customer").get(pk=refund.pk)
    if not refund_leaves_an_account(locked):
        raise InvalidTransition("这笔退款没有从结算账户付出的钱（待审批、未批准或转入客户余额）")
    account = account or account_paid_into(locked.order)
    if account is None:
        return None
    assert_period_open(on=locked.refunded_at, what="登记退款付款账户")
    flow, _ = AccountFlow.objects.update_or_create(refund=locked, defaults={
        "account": account, "source": AccountFlow.Source.REFUND, "amount": -locked.amount,
        "occurred_at": locked.refunded_at, "counterparty": locked.order.customer.name,
        "counterparty_account": locked.payout_account, "created_by": user,
        "reference": f"退款 {locked.order.number} {locked.reference}".strip()[:200],
    })
    return flow


@in_platform_language
@transaction.atomic
def refund_approve_and_pay(*, refund: Refund, user, reference: str, account: SettlementAccount | None,
                           payout_method: str = "", note: str = "") -> Refund:
    """财务 approves a refund (``orders.services.refund_approve``: four eyes, reference, closed
    month refused) and records the account the money left from, in one transaction."""
    approved = refund_approve(refund=refund, user=user, reference=reference, payout_method=payout_method, note=note)
    if refund_leaves_an_account(approved):
        refund_payout_record(refund=approved, user=user, account=account)
    return approved
