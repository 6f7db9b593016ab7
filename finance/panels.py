"""What finance shows on the pages of the apps below it (see ordermgmt/panels.py): invoiced and
not invoiced amounts on the order and customer pages."""

from ordermgmt.panels import register_panel

from .models import Invoice
from .selectors import customer_invoicing, order_invoicing

VIEW = "finance.view_invoice"


def order_invoicing_panel(request, order) -> dict | None:
    if not request.user.has_perm(VIEW):
        return None
    invoices = Invoice.objects.filter(lines__order=order).distinct().order_by("created_at", "id")
    return {"invoicing": order_invoicing(order), "invoices": list(invoices)}


def customer_invoicing_panel(request, customer) -> dict | None:
    if not request.user.has_perm(VIEW):
        return None
    invoices = customer.invoices.order_by("-created_at", "-id")[:10]
    return {"invoicing": customer_invoicing(customer), "invoices": list(invoices)}


def register() -> None:
    register_panel("order_detail.below_totals", "invoicing", template="finance/_order_invoicing.html",
                   context=order_invoicing_panel, order=20)
    register_panel("customer_detail", "invoicing", template="finance/_customer_invoicing.html",
                   context=customer_invoicing_panel, order=40)
