"""What fulfillment announces (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import DomainEvent, event

from .models import DeliveryProof, NotificationMessage, Shipment, ShipmentException


@event("delivery.signed_abnormal")
class DeliverySignedAbnormal(DomainEvent):
    """The receiver signed for goods that were damaged, wrong or short (``proof.condition``,
    described in ``proof.note``); ``photos`` are the stored ProofFiles of the damage."""

    proof: DeliveryProof
    photos: tuple
    user: object | None


@event("customer_notice.failed")
class CustomerNoticeFailed(DomainEvent):
    """A notice to a customer (``message``, in the outbox) failed for good after its last
    attempt: somebody should reach the customer another way or fix the address and resend."""

    message: NotificationMessage


@event("shipment.dispatched")
class ShipmentDispatched(DomainEvent):
    """Goods left the warehouse with a carrier and a tracking number (出库). Published once
    the order's state is settled: 已出库 when this shipment completes the order, unchanged for
    a partial shipment or a re-shipment of lost goods (``shipment.replaces``)."""

    shipment: Shipment
    user: object | None


@event("shipment.compensated")
class ShipmentCompensated(DomainEvent):
    """A logistics exception was resolved by 赔偿 (``exception.compensation_amount``): the
    money side (a credit note on the order, a claim on the carrier) is booked by finance."""

    exception: ShipmentException
    user: object | None
