"""What after-sales shows on the pages of the apps below it (see ordermgmt/panels.py)."""

from ordermgmt.panels import register_panel
from orders.models import OrderStatus

from .forms import CaseOpenForm, FeedbackForm
from .models import Feedback
from .selectors import case_queue, customer_after_sales, feedback_to_follow_up

CASE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.AFTER_SALES)
CANCELLABLE_AFTER_SHIPPING = (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT)


def case_queue_panel(request) -> dict | None:
    if not request.user.has_perm("aftersales.handle_case"):
        return None
    cases = list(case_queue(visible_to=request.user)[:15])
    return {"cases": cases} if cases else None


def feedback_panel(request) -> dict | None:
    if not request.user.has_perm("orders.change_order"):
        return None
    feedback = list(feedback_to_follow_up(request.user)[:15])
    return {"feedback_to_follow_up": feedback} if feedback else None


def customer_ratings_panel(request, customer) -> dict | None:
    ratings = list(Feedback.objects.filter(order__customer=customer).select_related("order")[:20])
    return {"ratings": ratings} if ratings else None


def order_panel(request, order) -> dict | None:
    user = request.user
    context = {
        "cases": list(order.after_sales_cases.all()) if user.has_perm("aftersales.view_aftersalescase") else [],
        "feedback": Feedback.objects.filter(order=order).first(),
        "can_open_case": user.has_perm("aftersales.add_aftersalescase") and order.status in CASE_STATUSES,
        "can_cancel_after_shipping": user.has_perm("orders.cancel_order") and order.status in CANCELLABLE_AFTER_SHIPPING,
    }
    return context if any(context.values()) else None


def tracking_panel(request, order, token) -> dict:
    return {"after_sales": customer_after_sales(order), "case_form": CaseOpenForm(), "feedback_form": FeedbackForm()}


def register() -> None:
    register_panel("home", "after_sales_cases", template="aftersales/_case_queue_panel.html",
                   context=case_queue_panel, order=30)
    register_panel("home", "feedback_to_follow_up", template="aftersales/_feedback_follow_up_panel.html",
                   context=feedback_panel, order=40)
    register_panel("customer_detail", "ratings", template="aftersales/_customer_ratings_panel.html",
                   context=customer_ratings_panel, order=10)
    register_panel("order_detail.below_totals", "after_sales", template="aftersales/_order_after_sales_panel.html",
                   context=order_panel)
    register_panel("tracking_order", "after_sales", template="aftersales/_tracking_panel.html", context=tracking_panel)
