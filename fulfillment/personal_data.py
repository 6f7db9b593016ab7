"""The notices sent to a customer's people and who signed for their deliveries, for a
data-subject request (customers/personal_data.py)."""

from customers.personal_data import ERASED, register_personal_data, rows

from .models import DeliveryProof, NotificationMessage


def notices_and_receipts(customer) -> dict:
    notices = NotificationMessage.objects.filter(order__customer=customer).order_by("created_at")
    proofs = DeliveryProof.objects.filter(shipment__order__customer=customer).order_by("id")
    return {
        "notices": rows(notices, ["order__number", "channel", "recipient", "subject", "body", "status", "sent_at"]),
        "delivery_receipts": rows(proofs, ["shipment__order__number", "receiver_name", "signed_at"]),
    }


def erase_notices_and_receipts(customer) -> dict:
    """Who the notices went to and what they said, and who signed for the goods."""
    return _erase(NotificationMessage.objects.filter(order__customer=customer),
                  DeliveryProof.objects.filter(shipment__order__customer=customer))


def erase_notices_and_receipts_of_orders(order_ids) -> dict:
    """The same for orders whose keeping time is over (orders.services.retention)."""
    return _erase(NotificationMessage.objects.filter(order_id__in=order_ids),
                  DeliveryProof.objects.filter(shipment__order_id__in=order_ids))


def _erase(notices, proofs) -> dict:
    return {
        "notices": notices.update(recipient="", recipient_index="", subject="", body=ERASED),
        "delivery_receipts": proofs.update(receiver_name=ERASED),
    }


def register() -> None:
    register_personal_data(notices_and_receipts, erase_notices_and_receipts)
