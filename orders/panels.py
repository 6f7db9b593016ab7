"""What orders shows on the pages of the apps below it (see ordermgmt/panels.py)."""

from django.core.paginator import Paginator

from ordermgmt.panels import register_panel

from .selectors import order_list_queryset, order_queue_for_user


def my_queue_panel(request) -> dict:
    """My queue: the orders waiting for an action of my roles, by priority then age."""
    return {"page": Paginator(order_queue_for_user(request.user), 25).get_page(request.GET.get("page"))}


def customer_orders_panel(request, customer) -> dict | None:
    if not request.user.has_perm("orders.view_order"):
        return None
    orders = order_list_queryset(visible_to=request.user).filter(customer=customer).order_by("-created_at")
    return {"page": Paginator(orders, 20).get_page(request.GET.get("page"))}


def register() -> None:
    register_panel("home", "my_queue", template="orders/_my_queue_panel.html", context=my_queue_panel, order=20)
    register_panel("customer_detail", "orders", template="orders/_customer_orders_panel.html",
                   context=customer_orders_panel, order=20)
