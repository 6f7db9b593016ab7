"""代收货款: what carriers collected at the door and owe until they remit it."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from fulfillment.models import Shipment
from orders.models import Payment, PaymentMethod

from ..models import CodAllocation, CodCollection, PaymentMatch

# Days since collection, as the ageing shows them.
AGEING_BUCKETS = [(0, 7, "0–7天"), (8, 15, "8–15天"), (16, 30, "16–30天"), (31, None, "30天以上")]


def cod_collection_record(payment: Payment) -> CodCollection | None:
    """A 货到付款 payment taken at delivery: owed by the carrier that delivered the order
    (its latest shipment). Idempotent."""
    if payment.method != PaymentMethod.CASH_ON_DELIVERY:
        return None
    shipment = Shipment.objects.filter(order_id=payment.order_id).order_by("-shipped_at", "-id").first()
    if shipment is None:
        return None
    collection, _ = CodCollection.objects.get_or_create(
        payment=payment,
        defaults={"order_id": payment.order_id, "carrier_id": shipment.carrier_id, "amount": payment.amount,
                  "collected_at": payment.paid_at},
    )
    return collection


def outstanding_for(carrier) -> Decimal:
    total = (CodCollection.objects.filter(carrier=carrier)
             .aggregate(total=Sum(F("amount") - F("remitted_amount")))["total"])
    return total or Decimal("0.00")


@transaction.atomic
def remittance_allocate(*, match: PaymentMatch, carrier, amount: Decimal) -> None:
    """The carrier's remittance settles its collections oldest first (locked in that order)."""
    collections = (CodCollection.objects.select_for_update().filter(carrier=carrier, amount__gt=F("remitted_amount"))
                   .order_by("collected_at", "id"))
    for collection in collections:
        if amount <= 0:
            break
        part = min(amount, collection.outstanding)
        CodAllocation.objects.create(match=match, collection=collection, amount=part)
        collection.remitted_amount += part
        collection.save(update_fields=["remitted_amount"])
        amount -= part


@transaction.atomic
def remittance_release(*, match: PaymentMatch) -> None:
    """A reversed remittance match: its collections are owed again."""
    for allocation in match.cod_allocations.select_related("collection").order_by("collection_id"):
        collection = CodCollection.objects.select_for_update().get(pk=allocation.collection_id)
        collection.remitted_amount -= allocation.amount
        collection.save(update_fields=["remitted_amount"])


def cod_ageing(*, today: date | None = None) -> list[dict]:
    """Unremitted COD per carrier in the buckets of ``AGEING_BUCKETS`` (days since collected)."""
    today = today or timezone.localdate()
    rows: dict[int, dict] = {}
    open_collections = (CodCollection.objects.filter(amount__gt=F("remitted_amount")).select_related("carrier")
                        .order_by("carrier__name", "collected_at"))
    for collection in open_collections:
        row = rows.setdefault(collection.carrier_id, {
            "carrier": collection.carrier, "buckets": [Decimal("0.00")] * len(AGEING_BUCKETS),
            "total": Decimal("0.00"), "count": 0, "oldest": collection.collected_at,
        })
        days = (today - timezone.localdate(collection.collected_at)).days
        index = next(i for i, (low, high, _) in enumerate(AGEING_BUCKETS) if days >= low and (high is None or days <= high))
        row["buckets"][index] += collection.outstanding
        row["total"] += collection.outstanding
        row["count"] += 1
    return list(rows.values())
