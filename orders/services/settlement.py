"""Money: payments received and refunds paid, keeping the order balance right."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ordermgmt.domain_events import publish
from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.money import to_money
from ordermgmt.periods import assert_period_open

from ..domain_events import PaymentRecorded, RefundRecorded
from ..events import record_event
from ..models import (
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    PaymentMethod,
    Refund,
)
from .common import check_permission


@in_platform_language
@transaction.atomic
def payment_record(
    *, order: Order, user, amount: Decimal, method: str | None = None, reference: str = "", paid_at=None
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
                                     paid_at=paid_at, recorded_by=user)
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
) -> Refund:
    """退款: money paid back; ``credit_amount`` is the part of the order no longer owed
    (goods returned or cancelled), so that the balance stays right whether or not the
    customer had paid."""
    check_permission(user, "orders.add_refund", "登记退款")
    amount, credit_amount = to_money(amount), to_money(credit_amount)
    if amount < 0 or credit_amount < 0:
        raise InvalidInput("退款金额不能为负数")
    if not (reason or "").strip():
        raise InvalidInput("退款必须填写原因")
    refunded_at = timezone.now()
    assert_period_open(on=refunded_at, what="退款")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if amount > locked.net_paid:
        raise InvalidInput(f"退款金额 ¥{amount:,.2f} 超过客户已付未退的 ¥{locked.net_paid:,.2f}")
    if credit_amount > locked.net_total:
        raise InvalidInput(f"冲减金额 ¥{credit_amount:,.2f} 超过订单剩余金额 ¥{locked.net_total:,.2f}")
    refund = Refund.objects.create(
        order=locked, source=source, amount=amount, credit_amount=credit_amount, computation=computation,
        reason=reason.strip(), case_number=case_number, reference=reference, recorded_by=user, refunded_at=refunded_at,
    )
    locked.refunded_amount += amount
    locked.returned_amount += credit_amount
    locked.save(update_fields=["refunded_amount", "returned_amount", "updated_at"])
    record_event(
        order=locked, user=user, kind=OrderEvent.Kind.NOTE, action="refund",
        reason=f"退款 ¥{amount:,.2f}（{Refund.Source(source).label}）：{reason.strip()}"
        + (f"；{computation}" if computation else ""),
        data={"amount": str(amount), "credit": str(credit_amount), "source": source, "case": case_number},
    )
    publish(RefundRecorded(refund=refund, user=user))
    order.refresh_from_db()
    return refund
