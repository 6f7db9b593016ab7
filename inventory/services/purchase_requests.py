"""Purchase requests moved by purchasing (issue 19): raised by a replenishment proposal,
closed when a purchase order line that buys for them is received, reopened when that
purchase order is cancelled. Import from ``inventory.services.purchase_requests``."""

from django.db import transaction
from django.utils import timezone

from ordermgmt.errors import InvalidInput

from inventory.models import Product, PurchaseRequest, StockBatch


@transaction.atomic
def purchase_request_raise_for_stock(*, product: Product, quantity: int, user=None, note: str = "") -> PurchaseRequest:
    """采购申请 to restock a warehouse (no order behind it)."""
    if quantity <= 0:
        raise InvalidInput("采购申请数量必须是正整数")
    return PurchaseRequest.objects.create(product=product, quantity=quantity, note=note[:300], created_by=user)


@transaction.atomic
def purchase_request_mark_received(*, request: PurchaseRequest, batch: StockBatch | None) -> PurchaseRequest:
    """The goods bought for the request arrived (received elsewhere, e.g. against a
    purchase order line): the request closes as 已到货. A closed request stays as it is."""
    locked = PurchaseRequest.objects.select_for_update().get(pk=request.pk)
    if locked.is_open:
        locked.state = PurchaseRequest.State.RECEIVED
        locked.received_batch = batch
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "received_batch", "closed_at"])
    return locked


@transaction.atomic
def purchase_request_reopen(*, request: PurchaseRequest, note: str) -> PurchaseRequest:
    """已下单 → 待采购 again: the purchase order that was to buy it was cancelled."""
    locked = PurchaseRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state == PurchaseRequest.State.ORDERED:
        locked.state = PurchaseRequest.State.OPEN
        locked.expected_date = None
        locked.note = f"{locked.note}；{note}"[:300] if locked.note else note[:300]
        locked.save(update_fields=["state", "expected_date", "note"])
    return locked
