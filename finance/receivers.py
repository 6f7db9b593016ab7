"""What finance does when the apps below it announce something (``ordermgmt.domain_events``).

==========================  =================  ==================================================
event                       phase              finance
==========================  =================  ==================================================
``PaymentRecorded``         in transaction     a 货到付款 collected at delivery: owed by the carrier
                                               (CodCollection); a payment platform's notification:
                                               a flow in that platform's settlement account
``ShipmentCompensated``     in transaction     the 赔偿 booked: credit note on the order, claim on
                                               the carrier
``RefundAwaitingApproval``  in transaction     every 财务 user (but the requester) is told
``OrderStatusChanged``      in transaction     an order asking for an invoice reaches 已出库/已交付:
                                               the 财务 are told 待开票 (once per order)
``RefundRecorded``          in transaction     returned units already invoiced: a red invoice drafted;
                                               money sent back: an outgoing flow of the account the
                                               customer paid into (when known)
``RefundRecorded`` /        in transaction     a 赔偿 or goodwill: its credit note, dated, for the
``RefundAwaitingApproval``                     vouchers
==========================  =================  ==================================================
"""

from django.urls import reverse

from fulfillment.domain_events import ShipmentCompensated
from integrations.models import PaymentNotification
from ordermgmt import roles
from ordermgmt.domain_events import Phase, subscribe
from ordermgmt.money import format_yuan
from orders.domain_events import OrderStatusChanged, PaymentRecorded, RefundAwaitingApproval, RefundRecorded
from orders.models import InvoiceType, OrderStatus, PaymentMethod
from servicedesk import notice_kinds
from servicedesk.audience import role_holders
from servicedesk.services.notifications import staff_notify

from .models import AccountFlow, SettlementAccount
from .notices import invoice_due_notify
from .selectors import covering_invoice_lines
from .services import invoice_red_for_return
from .services.cod import cod_collection_record
from .services.accounts import refund_leaves_an_account, refund_payout_record
from .services.compensation import credit_note_record, shipment_compensation_book


@subscribe(PaymentRecorded, phase=Phase.IN_TRANSACTION)
def payment_recorded(event: PaymentRecorded) -> None:
    payment = event.payment
    if payment.method == PaymentMethod.CASH_ON_DELIVERY:
        cod_collection_record(payment)
    elif payment.method == PaymentMethod.ONLINE:
        _platform_flow(payment)


def _platform_flow(payment) -> None:
    """The platform's notification is written before the payment it books, with the order
    number and the transaction id that make the payment's reference."""
    notifications = PaymentNotification.objects.filter(
        order_number=payment.order.number, amount=payment.amount, payment__isnull=True,
    ).select_related("provider")
    for notification in notifications:
        if f"{notification.provider.name} {notification.transaction_id}"[:100] != payment.reference:
            continue
        account = SettlementAccount.objects.filter(payment_provider=notification.provider_id).first()
        if account is not None:
            AccountFlow.objects.get_or_create(notification=notification, defaults={
                "account": account, "source": AccountFlow.Source.PLATFORM, "amount": payment.amount,
                "occurred_at": payment.paid_at, "counterparty": payment.order.customer.name,
                "reference": payment.reference,
            })
        return


@subscribe(ShipmentCompensated, phase=Phase.IN_TRANSACTION)
def shipment_compensated(event: ShipmentCompensated) -> None:
    shipment_compensation_book(exception=event.exception, user=event.user)


@subscribe(RefundAwaitingApproval, phase=Phase.IN_TRANSACTION)
def refund_awaiting_approval(event: RefundAwaitingApproval) -> None:
    refund = event.refund
    staff_notify(
        users=role_holders(roles.FINANCE), kind=notice_kinds.REFUND_APPROVAL, exclude=refund.recorded_by,
        link=reverse("finance:refunds"),
        text=f"订单 {refund.order.number} 退款 {format_yuan(refund.amount)} 等待财务审批：{refund.reason[:60]}",
        key=f"refund:{refund.pk}",
    )


# An invoice is issued for goods that have left: at 已出库, or at 已交付 for an order that
# skipped the first notice (told once per order either way).
INVOICE_DUE_STATUSES = {OrderStatus.SHIPPED, OrderStatus.DELIVERED}


@subscribe(OrderStatusChanged, phase=Phase.IN_TRANSACTION)
def tell_finance_an_invoice_is_due(event: OrderStatusChanged) -> None:
    order = event.order
    if (event.to_status in INVOICE_DUE_STATUSES and order.invoice_type != InvoiceType.NONE
            and not covering_invoice_lines().filter(order=order).exists()):
        invoice_due_notify(order=order, user=event.user)


@subscribe(RefundRecorded, phase=Phase.IN_TRANSACTION)
def red_invoice_for_returned_goods(event: RefundRecorded) -> None:
    """Atomic with the refund: the credit and its red invoice stand or fall together."""
    invoice_red_for_return(refund=event.refund)


@subscribe(RefundRecorded, phase=Phase.IN_TRANSACTION)
def refund_paid_out_of_an_account(event: RefundRecorded) -> None:
    """财务 approving one chooses the account themselves (``refund_approve_and_pay``)."""
    if refund_leaves_an_account(event.refund):
        refund_payout_record(refund=event.refund, user=None)


@subscribe(RefundRecorded, phase=Phase.IN_TRANSACTION)
def compensation_credited(event: RefundRecorded) -> None:
    credit_note_record(refund=event.refund)


@subscribe(RefundAwaitingApproval, phase=Phase.IN_TRANSACTION)
def compensation_credited_before_approval(event: RefundAwaitingApproval) -> None:
    credit_note_record(refund=event.refund)
