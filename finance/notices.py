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
        users=finance_staff(), kind=kinds.INVOICE_DUE, exclude=user, link=reverse("orders:detail", args=[order.number]),
        text=f"订单 {order.number}（{order.customer.name}，{order.get_invoice_type_display()}，"
             f"{order.total:,.2f} 元）{order.get_status_display()}，待开票",
        key=f"invoice_due:{order.pk}",
    )
