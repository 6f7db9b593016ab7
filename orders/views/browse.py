from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from ordermgmt.dbrouting import reads_from_replica
from ordermgmt.pagination import CappedPaginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django_fsm import can_proceed, has_transition_perm

from customers.privacy import contact_revealed
from customers.selectors import personal_data_accesses_of

from ..filters import OrderFilter

from ..models import Order, OrderStatus, PaymentMethod

EDITABLE_BEFORE_PRODUCTION = {
    OrderStatus.PENDING_REVIEW, OrderStatus.REJECTED, OrderStatus.APPROVED, OrderStatus.ALLOCATED,
}
from ..review import OVERRIDABLE
from ..selectors import (
    line_availability,
    order_detail,
    order_list_queryset,
    order_progress,
    order_purchase_requests,
    order_timeline,
    tax_by_rate,
    order_waiting_reason,
)
from ..workflow import ACTIONS, OVERRIDE_PERMISSION
from .settlement import VOUCHERS


@login_required
@permission_required("orders.view_order", raise_exception=True)
@reads_from_replica
def order_list(request):
    order_filter = OrderFilter(request.GET, queryset=order_list_queryset(visible_to=request.user))
    paginator = CappedPaginator(order_filter.qs, settings.ORDER_LIST_PAGE_SIZE)
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
        if not spec.in_portal or (spec.override_only and not user.has_perm(OVERRIDE_PERMISSION)):
            continue
        method = getattr(order, spec.name)
        if can_proceed(method) and has_transition_perm(method, user):
            actions.append(spec)
    return actions


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_detail_view(request, number: str):
    try:
        order = order_detail(number, visible_to=request.user)
    except Order.DoesNotExist as error:
        raise Http404("订单不存在") from error
    availability = line_availability(order)
    lines = [(line, availability.get(line.product_id, {})) for line in order.lines.all()]
    user = request.user
    checks = list(order.checks.select_related("overridden_by"))
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "events": order_timeline(order),
            "actions": available_actions(order, request.user),
            "can_edit": order.status in EDITABLE_BEFORE_PRODUCTION and user.has_perm("orders.change_order"),
            "vouchers": VOUCHERS,
            "edit_warning": order.status in (OrderStatus.APPROVED, OrderStatus.ALLOCATED),
            "flow": order_progress(order),
            "waiting_reason": order_waiting_reason(order),
            "checks": checks,
            "can_override": user.has_perm("orders.override_review_check") and order.status == OrderStatus.PENDING_REVIEW,
            "overridable": {str(name) for name in OVERRIDABLE},
            "can_rerun_review": order.status == OrderStatus.PENDING_REVIEW
            and (user.has_perm("orders.review_order") or user.has_perm("orders.change_order")),
            "can_copy": user.has_perm("orders.add_order"),
            "purchase_requests": order_purchase_requests(order),
            "adjustments": list(order.adjustments.all()),
            "payments": list(order.payments.select_related("recorded_by")),
            "refunds": list(order.refunds.select_related("recorded_by")),
            "can_record_payment": user.has_perm("orders.add_payment") and order.balance_due > 0
            and order.status not in (OrderStatus.CANCELLED, OrderStatus.REJECTED),
            "payment_methods": PaymentMethod.choices,
            "tax_rates": tax_by_rate(order),
            "contact_revealed": contact_revealed(request, kind="order", record_id=order.pk),
            "reveal_url": reverse("orders:reveal", args=[order.number]),
            "recent_accesses": personal_data_accesses_of(order),
        },
    )
