"""What fulfillment announces (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import DomainEvent, event

from .models import DeliveryProof


@event("delivery.signed_abnormal")
class DeliverySignedAbnormal(DomainEvent):
    """The receiver signed for goods that were damaged, wrong or short (``proof.condition``,
    described in ``proof.note``); ``photos`` are the stored ProofFiles of the damage."""

    proof: DeliveryProof
    photos: tuple
    user: object | None
