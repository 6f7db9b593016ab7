"""What finance does when lower apps announce something (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import Phase, subscribe
from orders.domain_events import OrderStatusChanged, RefundRecorded
from orders.models import InvoiceType, OrderStatus

from .notices import invoice_due_notify
from .selectors import covering_invoice_lines
from .services import invoice_red_for_return

# An invoice is issued for goods that have left: at 已出库, or at 已交付 for an order that
# skipped the first notice (told once per order either way).
INVOICE_DUE_STATUSES = {OrderStatus.SHIPPED, OrderStatus.DELIVERED}


@subscribe(OrderStatusChanged, phase=Phase.IN_TRANSACTION)
def tell_finance_an_invoice_is_due(event: OrderStatusChanged) -> None:
    order = event.order
    if (event.to_status in INVOICE_DUE_STATUSES and order.invoice_type != InvoiceType.NONE
            and not covering_invoice_lines().filter(order=order).exists()):
        invoice_due_notify(order=order, user=event.user)


@subscribe(RefundRecorded, phase=Phase.IN_TRANSACTION)
def red_invoice_for_returned_goods(event: RefundRecorded) -> None:
    """Atomic with the refund: the credit and its red invoice stand or fall together."""
    invoice_red_for_return(refund=event.refund)
