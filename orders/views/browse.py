from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django_fsm import can_proceed, has_transition_perm

from ..filters import OrderFilter
from ..models import Order, OrderStatus
from ..selectors import line_availability, order_detail, order_list_queryset, order_timeline
from ..workflow import ACTIONS


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_list(request):
    order_filter = OrderFilter(request.GET, queryset=order_list_queryset())
    paginator = Paginator(order_filter.qs, settings.ORDER_LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orders/order_list.html",
        {"filter": order_filter, "page": page, "query_string": query.urlencode()},
    )


def available_actions(order: Order, user) -> list:
    actions = []
    for spec in ACTIONS.values():
        method = getattr(order, spec.name)
        if can_proceed(method) and has_transition_perm(method, user):
            actions.append(spec)
    return actions


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_detail_view(request, number: str):
    try:
        order = order_detail(number)
    except Order.DoesNotExist as error:
        raise Http404("订单不存在") from error
    availability = line_availability(order)
    lines = [(line, availability.get(line.product_id, {})) for line in order.lines.all()]
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "events": order_timeline(order),
            "actions": available_actions(order, request.user),
            "can_edit": order.is_editable and request.user.has_perm("orders.change_order"),
            "flow": _progress(order),
        },
    )


def _progress(order: Order) -> list[dict]:
    """Steps of the main flow with done/current markers for the progress bar."""
    from ..models import MAIN_FLOW

    steps = [s for s in MAIN_FLOW if order.is_custom or s != OrderStatus.IN_PRODUCTION]
    reached = set(order.events.values_list("to_status", flat=True))
    return [
        {"label": OrderStatus(s).label, "done": s in reached and s != order.status, "current": s == order.status}
        for s in steps
    ]
