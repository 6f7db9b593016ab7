"""A logistics 赔偿 booked: a credit note on the order (refund or customer credit by policy,
``orders.services.order_compensate``) and a claim on the carrier."""

from django.db import transaction

from fulfillment.models import ShipmentException
from orders.models import Refund
from orders.services import order_compensate

from ..models import CarrierClaim


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
