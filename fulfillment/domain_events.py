"""What fulfillment announces (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import DomainEvent, event

from .models import DeliveryProof, NotificationMessage


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
