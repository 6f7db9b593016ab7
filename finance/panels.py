"""What finance shows on the pages of the apps below it (see ordermgmt/panels.py): invoiced and
not invoiced amounts on the order and customer pages; on the customer page also the receivables
by age, the customer credit (客户余额) and the opening receivable still open (期初应收), the
payment behaviour and the suggested credit limit beside the current one (with the 主管's form
to change it), and the latest limit changes; on the page of an order that still owes money,
the customer credit that could settle it."""

from django.urls import reverse

from ordermgmt.panels import register_panel
from orders.receivables import AGEING_BUCKETS, AgeingRow, OpenItem, receivables_ageing
from orders.services import customer_credit_balance

from .behaviour import payment_behaviour
from .forms import CreditLimitForm
from .models import Invoice
from .selectors import customer_invoicing, order_invoicing

VIEW_INVOICES = "finance.view_invoice"
VIEW_RECEIVABLES = "finance.view_receivables"
CHANGE_LIMIT = "customers.change_credit_limit"
VIEW_CUSTOMER_CREDIT = "orders.view_customercredit"


def order_invoicing_panel(request, order) -> dict | None:
    if not request.user.has_perm(VIEW_INVOICES):
        return None
    invoices = Invoice.objects.filter(lines__order=order).distinct().order_by("created_at", "id")
    return {"invoicing": order_invoicing(order), "invoices": list(invoices)}


def customer_invoicing_panel(request, customer) -> dict | None:
    if not request.user.has_perm(VIEW_INVOICES):
        return None
    invoices = customer.invoices.order_by("-created_at", "-id")[:10]
    return {"invoicing": customer_invoicing(customer), "invoices": list(invoices)}


def _item(row: AgeingRow | None, kind: str) -> OpenItem | None:
    """The customer's open item of a kind read by the ageing ("credit": 客户余额, negative;
    "opening": the opening receivable's outstanding part), or None."""
    return next((item for item in row.items if item.kind == kind), None) if row else None


def order_customer_credit_panel(request, order) -> dict | None:
    """The customer's credit beside an order that still owes money: what could settle it."""
    if not request.user.has_perm(VIEW_CUSTOMER_CREDIT) or order.balance_due <= 0:
        return None
    available = customer_credit_balance(order.customer)
    if available <= 0:
        return None
    return {"available": available, "settles": min(available, order.balance_due),
            "can_apply": request.user.has_perm("orders.add_payment")}


def customer_credit_panel(request, customer) -> dict | None:
    user = request.user
    can_change = user.has_perm(CHANGE_LIMIT)
    if not (user.has_perm(VIEW_RECEIVABLES) or can_change):
        return None
    row = receivables_ageing(customer_ids=[customer.pk]).get(customer.pk)
    behaviour = payment_behaviour(customer)
    context = {
        "buckets": [(b.label, row.buckets[b.key] if row else 0) for b in AGEING_BUCKETS],
        "ageing": row,
        "customer_credit": -credit.amount if (credit := _item(row, "credit")) else 0,
        "opening": _item(row, "opening"),
        "behaviour": behaviour,
        "can_change_limit": can_change,
        "changes": list(customer.credit_limit_changes.select_related("changed_by")[:5]),
        "statement_url": reverse("finance:customer_statement", args=[customer.pk]),
    }
    if can_change:
        context["limit_form"] = CreditLimitForm(initial={
            "new_limit": behaviour.suggested_limit or customer.credit_limit,
            "suggested_limit": behaviour.suggested_limit,
        })
        context["limit_url"] = reverse("finance:credit_limit", args=[customer.pk])
    return context


def register() -> None:
    register_panel("customer_detail", "credit", template="finance/_customer_credit.html",
                   context=customer_credit_panel, order=5)
    register_panel("order_detail.below_totals", "invoicing", template="finance/_order_invoicing.html",
                   context=order_invoicing_panel, order=20)
    register_panel("order_detail.below_totals", "customer_credit", template="finance/_order_customer_credit.html",
                   context=order_customer_credit_panel, order=25)
    register_panel("customer_detail", "invoicing", template="finance/_customer_invoicing.html",
                   context=customer_invoicing_panel, order=40)
