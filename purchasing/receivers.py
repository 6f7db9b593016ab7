"""What purchasing does when inventory announces something (see ``ordermgmt.domain_events``)."""

from inventory.domain_events import PurchaseRequestReceiving
from ordermgmt.domain_events import Phase, subscribe
from ordermgmt.errors import InvalidInput

from .models import PURCHASE_ORDER_OPEN, PurchaseOrder


@subscribe(PurchaseRequestReceiving, phase=Phase.IN_TRANSACTION)
def refuse_receiving_a_request_bought_on_a_purchase_order(event: PurchaseRequestReceiving) -> None:
    """A request on an open purchase order is received on that order (line by line, with the
    incoming check); received again on the request, the goods would be counted twice."""
    purchase_order = (PurchaseOrder.objects.filter(status__in=PURCHASE_ORDER_OPEN,
                                                   lines__requests=event.request).first())
    if purchase_order is not None:
        raise InvalidInput(f"采购申请 {event.request.number} 已在采购单 {purchase_order.number} 中，"
                           f"请在采购单上做到货验收")
