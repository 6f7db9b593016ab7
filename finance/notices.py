"""Who in finance is told what (the staff notifications live in the service desk, below)."""

from django.urls import reverse

from ordermgmt import roles
from orders.models import Order
from servicedesk import notice_kinds as kinds
from servicedesk.audience import role_holders
from servicedesk.services import staff_notify


def finance_staff():
    return role_holders(roles.FINANCE)


def invoice_due_notify(*, order: Order, user=None) -> int:
    """待开票: an order whose customer asked for an invoice has left the warehouse (or was
    delivered); told once per order."""
    return staff_notify(
        users=finance_staff(), kind=kinds.INVOICE_DUE, exclude=user, link=reverse("finance:desk"),
        text=f"订单 {order.number}（{order.customer.name}，{order.get_invoice_type_display()}，"
             f"{order.total:,.2f} 元）{order.get_status_display()}，待开票",
        key=f"invoice_due:{order.pk}",
    )


def red_invoice_due_notify(*, invoice) -> int:
    """A red invoice for returned goods waits for its number from the tax system."""
    return staff_notify(
        users=finance_staff(), kind=kinds.INVOICE_DUE, link=reverse("finance:invoice", args=[invoice.pk]),
        text=f"{invoice.customer.name} 退货，需对发票 {invoice.reverses} 开具红字发票 {-invoice.total:,.2f} 元",
        key=f"red_invoice_due:{invoice.pk}",
    )
