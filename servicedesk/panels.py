"""What the service desk shows on the pages of the apps below it (see ordermgmt/panels.py):
the bell in the top bar, why an order waits, complaints on the order, customer, home and
tracking pages, and the alert of orders past their stage's threshold."""

from django.urls import reverse
from django.utils.translation import ngettext

from ordermgmt.panels import register_panel

from .forms import CustomerComplaintForm
from .links import complaint_token
from .models import ComplaintStatus
from .selectors import (
    complaint_queue,
    customer_complaints,
    flag_counts_by_stage,
    order_complaints,
    pending_goodwill,
    unread_count,
)
from .waiting import order_wait_explanation

HANDLE = "servicedesk.handle_complaint"


def bell_panel(request) -> dict | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return {"unread": unread_count(user), "notifications_url": reverse("servicedesk:notifications")}


def waiting_panel(request, order) -> dict | None:
    explanation = order_wait_explanation(order)
    return {"wait": explanation} if explanation is not None else None


def order_complaints_panel(request, order) -> dict | None:
    user = request.user
    complaints = order_complaints(order) if user.has_perm("servicedesk.view_complaint") else []
    can_add = user.has_perm("servicedesk.add_complaint")
    if not complaints and not can_add:
        return None
    return {"complaints": complaints, "can_add_complaint": can_add,
            "new_complaint_url": reverse("servicedesk:complaint_new") + f"?order={order.number}"}


def customer_complaints_panel(request, customer) -> dict | None:
    user = request.user
    if not user.has_perm("servicedesk.view_complaint"):
        return None
    complaints = list(customer_complaints(customer)[:20])
    can_add = user.has_perm("servicedesk.add_complaint")
    if not complaints and not can_add:
        return None
    return {"complaints": complaints, "can_add_complaint": can_add,
            "new_complaint_url": reverse("servicedesk:complaint_new") + f"?customer={customer.pk}"}


def home_panel(request) -> dict | None:
    """The 客服's complaints (overdue first) and, for a 主管, escalations and approvals."""
    user = request.user
    context = {}
    if user.has_perm(HANDLE):
        context["my_complaints"] = list(complaint_queue(user=user, view="mine")[:10])
        context["unassigned"] = list(complaint_queue(user=user, view="unassigned")[:10])
    if user.has_perm("servicedesk.approve_goodwill"):
        context["goodwill"] = list(pending_goodwill()[:10])
        context["escalated"] = list(complaint_queue(user=user, view="escalated")[:10])
    return context if any(context.values()) else None


def alerts_panel(request) -> dict | None:
    if not request.user.has_perm("servicedesk.view_stageflag"):
        return None
    count = sum(flag_counts_by_stage().values())
    if not count:
        return None
    text = ngettext("%(n)s 个订单停留超时", "%(n)s 个订单停留超时", count) % {"n": count}
    return {"alerts": [("servicedesk:monitoring", text)]}


def tracking_panel(request, order, token) -> dict:
    complaints = [
        {"number": c.number, "category": c.category.name, "status": c.get_status_display(), "created_at": c.created_at,
         "awaiting": c.status == ComplaintStatus.AWAITING_CUSTOMER, "token": complaint_token(c)}
        for c in order.complaints.select_related("category").order_by("created_at")
    ]
    return {"complaints": complaints, "complaint_form": CustomerComplaintForm()}


def register() -> None:
    register_panel("topbar", "notifications", template="servicedesk/_bell.html", context=bell_panel)
    register_panel("order_detail.waiting", "why", template="servicedesk/_order_waiting.html", context=waiting_panel)
    register_panel("order_detail.below_totals", "complaints", template="servicedesk/_order_complaints.html",
                   context=order_complaints_panel, order=110)
    register_panel("customer_detail", "complaints", template="servicedesk/_customer_complaints.html",
                   context=customer_complaints_panel, order=30)
    register_panel("home", "complaints", template="servicedesk/_home_complaints.html", context=home_panel, order=25)
    register_panel("home.queue_alerts", "stage_flags", template="servicedesk/_alerts.html", context=alerts_panel,
                   order=50)
    register_panel("tracking_order", "complaints", template="servicedesk/_tracking_panel.html", context=tracking_panel,
                   order=200)
