"""Money: payments received (and reversed), refunds paid (and approved by 财务), keeping the
order balance right. Customer credit and opening receivables are in ``credits``."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ordermgmt import policies
from ordermgmt.domain_events import publish
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.money import to_money
from ordermgmt.periods import assert_period_open

from ..domain_events import PaymentRecorded, RefundAwaitingApproval, RefundRecorded
from ..events import record_event
from ..models import (
    CustomerCredit,
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    PaymentMethod,
    PayoutMethod,
    Refund,
    RefundStatus,
)
from .common import check_permission

# The reference of a payment made from the customer's credit (抵扣): reversing it gives the credit back.
CREDIT_REFERENCE = "客户余额抵扣"


@in_platform_language
@transaction.atomic
def payment_record(
    *, order: Order, user, amount: Decimal, method: str | None = None, reference: str = "", paid_at=None,
    payer_account: str = "",
) -> Payment:
    """收款: money received for an order; it lowers the customer's open receivables."""
    check_permission(user, "orders.add_payment", "登记收款")
    amount = to_money(amount)
    if amount <= 0:
        raise InvalidInput("收款金额必须大于0")
    paid_at = paid_at or timezone.now()
    assert_period_open(on=paid_at, what="收款")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
        raise InvalidTransition(f"订单 {locked.number} 已{locked.get_status_display()}，不能登记收款")
    if amount > locked.balance_due:
        raise InvalidInput(f"收款金额 ¥{amount:,.2f} 超过订单应收余额 ¥{locked.balance_due:,.2f}，请核对")
    method = method or locked.payment_method
    if method not in PaymentMethod.values:
        raise InvalidInput("付款方式无效")
    payment = Payment.objects.create(order=locked, method=method, amount=amount, reference=reference.strip(),
                                     paid_at=paid_at, recorded_by=user,
                                     payer_account=(payer_account or "").strip()[:40])
    locked.paid_amount += amount
    locked.save(update_fields=["paid_amount", "updated_at"])
    record_event(
        order=locked, user=user, kind=OrderEvent.Kind.NOTE, action="payment",
        reason=f"收款 ¥{amount:,.2f}（{PaymentMethod(method).label}）" + (f"，凭证 {reference.strip()}" if reference.strip() else "")
        + f"；应收余额 ¥{locked.balance_due:,.2f}",
        data={"amount": str(amount), "method": method, "reference": reference.strip()},
    )
    publish(PaymentRecorded(payment=payment, user=user))
    order.refresh_from_db()
    return payment


@in_platform_language
@transaction.atomic
def payment_reverse(*, payment: Payment, user, reason: str) -> Payment:
    """冲销收款: a payment booked against the wrong order (or never received) comes off the
    order's paid amount; the row stays, marked reversed with its reason."""
    check_permission(user, "orders.add_payment", "冲销收款")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("冲销收款必须填写原因")
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.reversed_at is not None:
        raise InvalidTransition(f"该笔收款已于 {timezone.localtime(locked.reversed_at):%Y-%m-%d %H:%M} 冲销")
    order = Order.objects.select_for_update().get(pk=locked.order_id)
    if order.paid_amount - locked.amount < order.refunded_amount + refunds_awaiting_approval(order):
        raise InvalidTransition(f"订单 {order.number} 已退款 ¥{order.refunded_amount:,.2f}，冲销后已收少于已退，请先处理退款")
    locked.reversed_at, locked.reversal_reason = timezone.now(), reason[:300]
    locked.save(update_fields=["reversed_at", "reversal_reason"])
    order.paid_amount -= locked.amount
    order.save(update_fields=["paid_amount", "updated_at"])
    if locked.reference == CREDIT_REFERENCE:
        # The money came from the customer's credit: it goes back there (a rise of the
        # credit needs no customer lock — only spending it does).
        CustomerCredit.objects.create(customer_id=order.customer_id, kind=CustomerCredit.Kind.REVERSAL,
                                      amount=locked.amount, order=order, reference=f"收款 #{locked.pk}",
                                      reason=f"冲销抵扣：{reason}"[:300], recorded_by=user)
    record_event(
        order=order, user=user, kind=OrderEvent.Kind.NOTE, action="payment_reversed",
        reason=f"冲销收款 ¥{locked.amount:,.2f}：{reason}；应收余额 ¥{order.balance_due:,.2f}",
        data={"amount": str(locked.amount), "payment_id": locked.pk},
    )
    return locked


def refunds_awaiting_approval(order: Order) -> Decimal:
    """Money of the order's refunds waiting for 财务: promised back, so no longer refundable."""
    return sum(order.refunds.filter(status=RefundStatus.AWAITING_APPROVAL).values_list("amount", flat=True), Decimal("0.00"))


def paid_from_accounts(order: Order) -> set[str]:
    """The accounts the customer paid this order from (bank statement lines), or the
    customer's bank account on file when no payment names one."""
    accounts = {a for a in order.payments.filter(reversed_at__isnull=True).values_list("payer_account", flat=True) if a}
    return accounts or ({order.customer.bank_account} if order.customer.bank_account else set())


def refund_approval_reasons(order: Order, amount: Decimal, payout_method: str, payout_account: str) -> list[str]:
    """Why a refund needs 财务's approval (none: it is paid at once). Money kept as the
    customer's credit never leaves the business, so it needs none."""
    if payout_method == PayoutMethod.CUSTOMER_CREDIT or amount <= 0:
        return []
    reasons = []
    limit = policies.get_policy(policies.REFUND_APPROVAL_AMOUNT)
    if amount > limit:
        reasons.append(f"金额 ¥{amount:,.2f} 超过 ¥{limit:,.2f}")
    if payout_account and payout_account not in paid_from_accounts(order):
        reasons.append(f"退往账号 {payout_account} 不是客户的付款账号")
    return reasons


@in_platform_language
@transaction.atomic
def refund_record(
    *,
    order: Order,
    user,
    amount: Decimal,
    reason: str,
    source: str,
    credit_amount: Decimal = Decimal("0.00"),
    computation: str = "",
    case_number: str = "",
    reference: str = "",
    payout_method: str = PayoutMethod.ORIGINAL,
    payout_account: str = "",
    requested_by=None,
) -> Refund:
    """退款: money paid back; ``credit_amount`` is the part of the order no longer owed
    (goods returned or cancelled, a compensation credited), so that the balance stays right
    whether or not the customer had paid.

    The credit counts at once; the money counts once paid: at once, or — above the policy
    amount or to another account than the customer paid from — when 财务 approves it
    (``refund_approve``; ``RefundAwaitingApproval`` tells them). Paid ``CUSTOMER_CREDIT``,
    the money stays with the business as the customer's credit (客户余额)."""
    check_permission(user, "orders.add_refund", "登记退款")
    amount, credit_amount = to_money(amount), to_money(credit_amount)
    if amount < 0 or credit_amount < 0:
        raise InvalidInput("退款金额不能为负数")
    if not (reason or "").strip():
        raise InvalidInput("退款必须填写原因")
    refunded_at = timezone.now()
    assert_period_open(on=refunded_at, what="退款")
    if payout_method not in PayoutMethod.values:
        raise InvalidInput("退款方式无效")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    refundable = locked.net_paid - refunds_awaiting_approval(locked)
    if amount > refundable:
        raise InvalidInput(f"退款金额 ¥{amount:,.2f} 超过客户已付未退的 ¥{refundable:,.2f}")
    if credit_amount > locked.net_total:
        raise InvalidInput(f"冲减金额 ¥{credit_amount:,.2f} 超过订单剩余金额 ¥{locked.net_total:,.2f}")
    payout_account = (payout_account or "").strip()[:40]
    waits_for = refund_approval_reasons(locked, amount, payout_method, payout_account)
    refund = Refund.objects.create(
        order=locked, source=source, amount=amount, credit_amount=credit_amount, computation=computation,
        reason=reason.strip(), case_number=case_number, reference=reference, recorded_by=user or requested_by,
        refunded_at=refunded_at, payout_method=payout_method, payout_account=payout_account,
        status=RefundStatus.AWAITING_APPROVAL if waits_for else RefundStatus.PAID,
    )
    locked.returned_amount += credit_amount
    locked.save(update_fields=["returned_amount", "updated_at"])
    record_event(
        # The customer is told of a refund (the "refund" note) once money goes back; a credit
        # note alone (nothing paid back) is no refund to tell them of.
        order=locked, user=user, kind=OrderEvent.Kind.NOTE, action=_refund_action(amount, waits_for),
        reason=f"退款 ¥{amount:,.2f}（{Refund.Source(source).label}）：{reason.strip()}"
        + (f"；{computation}" if computation else "")
        + (f"；待财务审批（{'，'.join(waits_for)}）" if waits_for else ""),
        data={"amount": str(amount), "credit": str(credit_amount), "source": source, "case": case_number,
              "awaiting_approval": bool(waits_for)},
    )
    if waits_for:
        publish(RefundAwaitingApproval(refund=refund, user=user))
    else:
        _pay_out(refund, locked, user)
    order.refresh_from_db()
    return refund


def _refund_action(amount: Decimal, waits_for: list[str]) -> str:
    if waits_for:
        return "refund_requested"
    return "refund" if amount > 0 else "credit_note"


def _pay_out(refund: Refund, locked: Order, user) -> None:
    """The money of a refund leaves the order: sent back, or kept as the customer's credit."""
    locked.refunded_amount += refund.amount
    locked.save(update_fields=["refunded_amount", "updated_at"])
    if refund.payout_method == PayoutMethod.CUSTOMER_CREDIT and refund.amount > 0:
        CustomerCredit.objects.create(
            customer_id=locked.customer_id, kind=CustomerCredit.Kind.REFUND_TO_CREDIT, amount=refund.amount,
            order=locked, reason=refund.reason[:300], recorded_by=user,
        )
    publish(RefundRecorded(refund=refund, user=user))


def _awaiting(refund: Refund, user) -> tuple[Refund, Order]:
    check_permission(user, "orders.approve_refund", "审批退款")
    locked = Refund.objects.select_for_update().get(pk=refund.pk)
    if locked.status != RefundStatus.AWAITING_APPROVAL:
        raise InvalidTransition(f"该笔退款{locked.get_status_display()}，无需审批")
    if user is not None and locked.recorded_by_id == user.pk:
        raise ActionForbidden("不能审批自己申请的退款，请由另一位财务人员审批")
    order = Order.objects.select_for_update().get(pk=locked.order_id)
    locked.approved_by, locked.approved_at = user, timezone.now()
    return locked, order


@in_platform_language
@transaction.atomic
def refund_approve(*, refund: Refund, user, reference: str, payout_method: str = "", note: str = "") -> Refund:
    """财务 approves a refund (four eyes: not the one who asked) and records how the money
    went back and the reference of the transfer; only then does the order count it."""
    locked, order = _awaiting(refund, user)
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput("请填写退款的转账流水号")
    if payout_method:
        if payout_method not in PayoutMethod.values:
            raise InvalidInput("退款方式无效")
        locked.payout_method = payout_method
    locked.status, locked.reference, locked.decision_note = RefundStatus.PAID, reference[:100], (note or "").strip()[:300]
    locked.refunded_at = timezone.now()
    assert_period_open(on=locked.refunded_at, what="退款")  # the money leaves now, in the month it leaves
    locked.save()
    _pay_out(locked, order, user)
    record_event(
        order=order, user=user, kind=OrderEvent.Kind.NOTE, action="refund",
        reason=f"财务批准退款 ¥{locked.amount:,.2f}（{locked.get_payout_method_display()}，流水号 {locked.reference}）",
        data={"amount": str(locked.amount), "credit": "0.00", "source": locked.source, "case": locked.case_number,
              "refund_id": locked.pk, "reference": locked.reference, "approved": True},
    )
    return locked


@in_platform_language
@transaction.atomic
def refund_decline(*, refund: Refund, user, note: str) -> Refund:
    """财务 does not approve: no money goes back; the customer's money stays on the order
    (shown as 多收待退) until a new refund is asked for."""
    locked, order = _awaiting(refund, user)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写不批准的原因")
    locked.status, locked.decision_note = RefundStatus.DECLINED, note[:300]
    locked.save()
    record_event(
        order=order, user=user, kind=OrderEvent.Kind.NOTE, action="refund_declined",
        reason=f"财务未批准退款 ¥{locked.amount:,.2f}：{note}", data={"refund_id": locked.pk},
    )
    return locked
