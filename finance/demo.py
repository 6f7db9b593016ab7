"""Finance's demo data, built by ``ordermgmt.demo`` after the service desk: what the 财务 finds
in the bell and on the finance desk."""

from orders.models import InvoiceType, Order, OrderStatus

from .notices import invoice_due_notify
from .receivers import INVOICE_DUE_STATUSES


class FinanceDemo:
    def __init__(self, builder) -> None:
        self.builder = builder
        self.users = builder.users

    def build(self) -> None:
        self.tell_of_invoices_due()

    def tell_of_invoices_due(self) -> None:
        """The newest orders that left the warehouse with an invoice requested reach the bell
        (the historical demo orders told nobody when they moved)."""
        due = (Order.objects.filter(status__in=INVOICE_DUE_STATUSES).exclude(invoice_type=InvoiceType.NONE)
               .select_related("customer").order_by("-status_changed_at", "-id")[:3])
        for order in due:
            invoice_due_notify(order=order)
