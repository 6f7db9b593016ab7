"""What finance does when lower apps announce something (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import Phase, subscribe
from orders.domain_events import OrderStatusChanged
from orders.models import InvoiceType, OrderStatus

from .notices import invoice_due_notify

# An invoice is issued for goods that have left: at 已出库, or at 已交付 for an order that
# skipped the first notice (told once per order either way).
INVOICE_DUE_STATUSES = {OrderStatus.SHIPPED, OrderStatus.DELIVERED}


@subscribe(OrderStatusChanged, phase=Phase.IN_TRANSACTION)
def tell_finance_an_invoice_is_due(event: OrderStatusChanged) -> None:
    order = event.order
    if event.to_status in INVOICE_DUE_STATUSES and order.invoice_type != InvoiceType.NONE:
        invoice_due_notify(order=order, user=event.user)
