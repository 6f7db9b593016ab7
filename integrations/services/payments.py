"""Notifications of payment platforms: each transaction booked once, through
``orders.services.payment_record``, or flagged for a 主管 when it cannot be booked as it came.
Nothing a platform reports is dropped, and nothing is counted twice."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from ordermgmt.errors import InvalidInput, InvalidTransition
from orders import services as order_services
from orders.models import Order, PaymentMethod

from ..models import PaymentNotification, PaymentProvider
from ..payments.adapters import PaymentNotice
from .common import check_permission

logger = logging.getLogger(__name__)

Outcome, Flag = PaymentNotification.Outcome, PaymentNotification.Flag
DUPLICATE = "duplicate"


def payment_notification_receive(*, provider: PaymentProvider, notice: PaymentNotice) -> tuple[PaymentNotification, str]:
    """Book a platform's payment. Returns the notification and what became of it:
    ``recorded``, ``flagged`` (unknown order, more than is owed, another currency, an order
    that takes no payment — waiting for a 主管), or ``duplicate`` (this transaction was
    handled before: nothing more is booked)."""
    existing = PaymentNotification.objects.filter(provider=provider, transaction_id=notice.transaction_id).first()
    if existing is not None:
        return existing, DUPLICATE
    try:
        with transaction.atomic():
            notification = _book(provider, notice)
    except IntegrityError:
        # The same transaction arrived twice at once: the other one booked it.
        existing = PaymentNotification.objects.get(provider=provider, transaction_id=notice.transaction_id)
        return existing, DUPLICATE
    logger.info("Payment notification %s:%s %s%s", provider.code, notice.transaction_id, notification.outcome,
                f" ({notification.flag})" if notification.flag else "")
    return notification, notification.outcome


def _book(provider: PaymentProvider, notice: PaymentNotice) -> PaymentNotification:
    # The row first: the unique (provider, transaction_id) lets one request through.
    notification = PaymentNotification.objects.create(
        provider=provider, transaction_id=notice.transaction_id, order_number=notice.order_number,
        amount=notice.amount, currency=notice.currency, paid_at=notice.paid_at, outcome=Outcome.FLAGGED,
    )
    order = Order.objects.filter(number=notice.order_number).first()
    notification.order = order
    if order is None:
        return _flag(notification, Flag.UNKNOWN_ORDER, f"找不到订单号“{notice.order_number}”的订单")
    if notice.currency != provider.currency:
        return _flag(notification, Flag.CURRENCY, f"支付币种 {notice.currency} 与约定的 {provider.currency} 不符")
    try:
        with transaction.atomic():
            payment = order_services.payment_record(
                order=order, user=None, amount=notice.amount, method=PaymentMethod.ONLINE,
                reference=f"{provider.name} {notice.transaction_id}"[:100], paid_at=notice.paid_at,
            )
    except InvalidTransition as refusal:
        return _flag(notification, Flag.NOT_PAYABLE, str(refusal))
    except InvalidInput as refusal:
        return _flag(notification, Flag.OVERPAYMENT, str(refusal))
    notification.outcome, notification.payment = Outcome.RECORDED, payment
    notification.save()
    return notification


def _flag(notification: PaymentNotification, flag: str, message: str) -> PaymentNotification:
    notification.outcome, notification.flag, notification.message = Outcome.FLAGGED, flag, message[:300]
    notification.save()
    return notification


@transaction.atomic
def payment_notification_resolve(*, notification: PaymentNotification, user, note: str,
                                 order: Order | None = None) -> PaymentNotification:
    """A 主管 settles a flagged notification: books the money against ``order`` (when the
    platform named a wrong or unknown order, or the amount is now owed), or notes what was done
    instead (refunded on the platform, …)."""
    check_permission(user, "integrations.resolve_paymentnotification", "处理支付通知")
    locked = PaymentNotification.objects.select_for_update().get(pk=notification.pk)
    if not locked.awaits_review:
        raise InvalidTransition(f"支付通知 {locked.transaction_id} 不在待处理列表中")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写处理说明")
    if order is not None:
        locked.payment = order_services.payment_record(
            order=order, user=user, amount=locked.amount, method=PaymentMethod.ONLINE,
            reference=f"{locked.provider.name} {locked.transaction_id}"[:100], paid_at=locked.paid_at,
        )
        locked.order = order
    locked.resolved_at, locked.resolved_by, locked.resolution = timezone.now(), user, note[:300]
    locked.save()
    return locked
