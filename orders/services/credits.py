"""What a customer owes or is owed beyond single orders: customer credit (客户余额) from
over-payments and compensations, the opening receivable (期初应收) entered once when the
business moved in, and compensations booked against an order (赔偿, 投诉补偿).

Each function runs in one transaction and locks the row it changes (the customer's opening
receivable, the order); a customer's credit balance is the sum of its signed rows, and a
use of it locks the customer row first so that two uses cannot both spend the same money.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from customers.models import Customer
from ordermgmt import policies
from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.money import to_money

from ..models import CustomerCredit, OpeningReceivable, Order, PayoutMethod, Refund
from .common import check_permission
from .settlement import CREDIT_REFERENCE, payment_record, refund_record, refunds_awaiting_approval


def customer_credit_balance(customer) -> Decimal:
    """The customer's credit (客户余额): over-payments and credited compensations not yet used."""
    total = CustomerCredit.objects.filter(customer=customer).aggregate(total=Sum("amount"))["total"]
    return to_money(total or Decimal("0"))


def _lock_customer(customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


@in_platform_language
@transaction.atomic
def customer_credit_add(*, customer, user, amount: Decimal, kind: str, order: Order | None = None,
                        reference: str = "", reason: str = "") -> CustomerCredit:
    """Money of the customer kept for later (an over-payment, a reversal of a use)."""
    check_permission(user, "orders.add_payment", "登记客户余额")
    amount = to_money(amount)
    if amount == 0:
        raise InvalidInput("金额不能为 0")
    _lock_customer(customer)
    if amount < 0 and (balance := customer_credit_balance(customer)) + amount < 0:
        raise InvalidTransition(f"客户余额 ¥{balance:,.2f} 不足，不能减少 ¥{-amount:,.2f}")
    return CustomerCredit.objects.create(customer=customer, kind=kind, amount=amount, order=order,
                                         reference=reference[:100], reason=reason[:300], recorded_by=user)


@in_platform_language
@transaction.atomic
def customer_credit_apply(*, order: Order, user, amount: Decimal | None = None):
    """抵扣: the customer's credit pays (part of) an order — a payment on the order, the
    same amount off the credit. Without ``amount``, as much as both allow."""
    check_permission(user, "orders.add_payment", "使用客户余额")
    _lock_customer(order.customer)
    available = customer_credit_balance(order.customer)
    order.refresh_from_db()
    amount = to_money(amount) if amount is not None else min(available, order.balance_due)
    if amount <= 0:
        raise InvalidInput("没有可抵扣的客户余额或订单已无应收余额")
    if amount > available:
        raise InvalidInput(f"客户余额只有 ¥{available:,.2f}，不足抵扣 ¥{amount:,.2f}")
    payment = payment_record(order=order, user=user, amount=amount, reference=CREDIT_REFERENCE)
    CustomerCredit.objects.create(customer_id=order.customer_id, kind=CustomerCredit.Kind.APPLIED, amount=-amount,
                                  order=order, reference=f"收款 #{payment.pk}", recorded_by=user)
    return payment


@in_platform_language
@transaction.atomic
def opening_receivable_set(*, customer, user, amount: Decimal, as_of: date, due_date: date | None = None,
                           note: str = "") -> OpeningReceivable:
    """期初应收, entered once per customer (and corrected while nothing was received on it).
    Due by the customer's terms from ``as_of`` unless a due date is given."""
    check_permission(user, "orders.add_openingreceivable", "录入期初应收")
    amount = to_money(amount)
    if amount < 0:
        raise InvalidInput("期初应收不能为负数；客户多付的钱请登记为客户余额")
    due_date = due_date or as_of + timedelta(days=customer.payment_terms_days)
    existing = OpeningReceivable.objects.select_for_update().filter(customer=customer).first()
    if existing is not None and existing.settled_amount > 0:
        raise InvalidTransition(f"客户 {customer} 的期初应收已收回 ¥{existing.settled_amount:,.2f}，不能再修改")
    opening, _ = OpeningReceivable.objects.update_or_create(
        customer=customer,
        defaults={"amount": amount, "as_of": as_of, "due_date": due_date, "note": note[:300], "entered_by": user},
    )
    return opening


@transaction.atomic
def opening_receivable_settle(*, customer, user, amount: Decimal) -> OpeningReceivable:
    """Money received against the opening receivable (negative: a match reversed)."""
    check_permission(user, "orders.add_payment", "收回期初应收")
    amount = to_money(amount)
    opening = OpeningReceivable.objects.select_for_update().filter(customer=customer).first()
    if opening is None:
        raise InvalidInput(f"客户 {customer} 没有期初应收")
    if amount > opening.outstanding:
        raise InvalidInput(f"金额 ¥{amount:,.2f} 超过期初应收余额 ¥{opening.outstanding:,.2f}")
    if opening.settled_amount + amount < 0:
        raise InvalidInput("冲销金额超过已收回的期初应收")
    opening.settled_amount += amount
    opening.save(update_fields=["settled_amount"])
    return opening


def compensation_goes_to_credit() -> bool:
    return bool(policies.get_policy(policies.COMPENSATION_TO_CREDIT))


@in_platform_language
@transaction.atomic
def order_compensate(*, order: Order, user, amount: Decimal, source: str, reason: str, case_number: str = "",
                     to_credit: bool | None = None, requested_by=None) -> Refund:
    """赔偿/补偿 booked against an order: a credit note (the order bills ``amount`` less, so its
    balance, the credit and overdue checks and the month's revenue all see it), and what the
    customer had then paid beyond the bill goes back — to the customer, or by policy
    (``COMPENSATION_TO_CREDIT``) to their credit toward the next order."""
    amount = to_money(amount)
    if amount <= 0:
        raise InvalidInput("赔偿金额必须大于 0")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    credit = min(amount, locked.net_total)
    awaiting = refunds_awaiting_approval(locked)
    held_beyond_bill = max(locked.net_paid - awaiting - (locked.billed_amount - credit), Decimal("0.00"))
    money_back = min(amount, held_beyond_bill)
    to_credit = compensation_goes_to_credit() if to_credit is None else to_credit
    payout = PayoutMethod.CUSTOMER_CREDIT if to_credit else PayoutMethod.ORIGINAL
    computation = f"冲减订单应收 ¥{credit:,.2f}"
    if money_back > 0:
        computation += f"；客户已付的 ¥{money_back:,.2f} " + ("转入客户余额，抵扣下一张订单" if to_credit else "退回客户")
    refund = refund_record(order=locked, user=user, amount=money_back, credit_amount=credit, source=source,
                           reason=reason, computation=computation, case_number=case_number,
                           payout_method=payout, requested_by=requested_by)
    order.refresh_from_db()
    return refund


