"""A logistics 赔偿 booked: a credit note on the order (refund or customer credit by policy,
``orders.services.order_compensate``) and a claim on the carrier; and the credit note of any
赔偿 or complaint goodwill kept, dated, for the vouchers (``credit_note_record``)."""

from django.db import transaction

from fulfillment.models import ShipmentException
from orders.models import Refund
from orders.services import order_compensate

from ..models import CarrierClaim, CreditNote


@transaction.atomic
def shipment_compensation_book(*, exception: ShipmentException, user) -> CarrierClaim | None:
    """Idempotent: one claim per exception."""
    if not exception.compensation_amount:
        return None
    existing = CarrierClaim.objects.filter(exception=exception).first()
    if existing is not None:
        return existing
    shipment = exception.shipment
    refund = order_compensate(
        order=shipment.order, user=None, requested_by=user, amount=exception.compensation_amount,
        source=Refund.Source.COMPENSATION, reason=f"物流{exception.get_kind_display()}赔偿：运单 {shipment}",
    )
    return CarrierClaim.objects.create(exception=exception, carrier=shipment.carrier, order=shipment.order,
                                       amount=exception.compensation_amount, refund=refund)


# The refunds whose credit is a compensation given (goods returned or cancelled are credited by
# the red invoice instead).
COMPENSATION_SOURCES = (Refund.Source.COMPENSATION, Refund.Source.GOODWILL)


def credit_note_record(*, refund: Refund) -> CreditNote | None:
    """In the refund's transaction, when it is first recorded (paid at once or waiting for 财务):
    the credit with the day it was granted. Idempotent (approval announces the refund again)."""
    if refund.source not in COMPENSATION_SOURCES or refund.credit_amount <= 0:
        return None
    note, _ = CreditNote.objects.get_or_create(refund=refund, defaults={
        "order_id": refund.order_id, "customer_id": refund.order.customer_id, "amount": refund.credit_amount,
        "granted_at": refund.refunded_at,
    })
    return note
