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
==========================  =================  ==================================================
"""

from django.urls import reverse

from fulfillment.domain_events import ShipmentCompensated
from integrations.models import PaymentNotification
from ordermgmt import roles
from ordermgmt.domain_events import Phase, subscribe
from ordermgmt.money import format_yuan
from orders.domain_events import PaymentRecorded, RefundAwaitingApproval
from orders.models import PaymentMethod
from servicedesk import notice_kinds
from servicedesk.audience import role_holders
from servicedesk.services.notifications import staff_notify

from .models import AccountFlow, SettlementAccount
from .services.cod import cod_collection_record
from .services.compensation import shipment_compensation_book


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
