"""The steps after shipping, cancellation, after-sales and closing."""

from django.db import transaction

from inventory.services import (
    stock_release_order,
)

from ..models import (
    Order,
    PaymentMethod,
    Refund,
)
from .common import fire_transition
from .settlement import payment_record, refund_record


@transaction.atomic
def order_start_transit(*, order: Order, user, reason: str = "") -> Order:
    return fire_transition(order=order, user=user, action="start_transit", reason=reason)


@transaction.atomic
def order_deliver(*, order: Order, user, reason: str = "") -> Order:
    """已交付. For 货到付款 the money collected at the door is recorded with it."""
    delivered = fire_transition(order=order, user=user, action="deliver", reason=reason)
    if delivered.payment_method == PaymentMethod.CASH_ON_DELIVERY and delivered.balance_due > 0:
        payment_record(order=delivered, user=None, amount=delivered.balance_due,
                       method=PaymentMethod.CASH_ON_DELIVERY, reference="货到付款，签收时代收")
        delivered.refresh_from_db()
    return delivered


@transaction.atomic
def order_complete(*, order: Order, user, reason: str = "") -> Order:
    return fire_transition(order=order, user=user, action="complete", reason=reason)


@transaction.atomic
def order_cancel(*, order: Order, user, reason: str) -> Order:
    """Cancel before the goods leave the warehouse: locked stock is released and whatever
    the customer paid is refunded in full.

    Release, transition and refund share one transaction: if the transition is refused the
    release is rolled back with it.
    """
    released = stock_release_order(order=order)
    cancelled = fire_transition(order=order, user=user, action="cancel", reason=reason,
                                data={"released_quantity": released})
    paid = cancelled.overpaid_amount  # a cancelled order bills nothing: all that was paid goes back
    if paid > 0:
        refund_record(
            order=cancelled, user=None, requested_by=user, amount=paid, reason=f"订单取消：{reason}",
            source=Refund.Source.CANCELLATION,
            computation=f"出库前取消，已付 ¥{paid:,.2f} 全额退款",
        )
        cancelled.refresh_from_db()
    return cancelled


@transaction.atomic
def order_cancel_after_shipping(*, order: Order, user, reason: str) -> Order:
    """The order turns into a return (售后中); aftersales.services.order_cancel_after_shipping
    opens the return case with the cancellation's refund rule."""
    return fire_transition(order=order, user=user, action="cancel_after_shipping", reason=reason)


@transaction.atomic
def order_open_after_sales(*, order: Order, user, reason: str) -> Order:
    return fire_transition(order=order, user=user, action="open_after_sales", reason=reason)


@transaction.atomic
def order_close_after_sales(*, order: Order, user, reason: str = "") -> Order:
    return fire_transition(order=order, user=user, action="close_after_sales", reason=reason)


@transaction.atomic
def order_close(*, order: Order, user, reason: str) -> Order:
    """已关闭: a 主管 ends an order that cannot finish normally; it is archived read-only."""
    return fire_transition(order=order, user=user, action="close", reason=reason)
