"""事件投递: the after-commit work of domain events, for a 主管 to watch and retry."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .event_delivery import event_delivery_retry
from .flash import perform
from .models import EventDelivery

STATUS_FILTERS = {
    "": [EventDelivery.Status.FAILED, EventDelivery.Status.PENDING, EventDelivery.Status.RUNNING],
    **{status: [status] for status in EventDelivery.Status.values},
}


@login_required
@permission_required("ordermgmt.view_eventdelivery", raise_exception=True)
def event_delivery_list(request):
    status = request.GET.get("status", "")
    deliveries = EventDelivery.objects.filter(status__in=STATUS_FILTERS.get(status, STATUS_FILTERS[""]))
    page = Paginator(deliveries.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "portal/event_deliveries.html", {
        "page": page, "status": status, "statuses": EventDelivery.Status.choices,
        "can_retry": request.user.has_perm("ordermgmt.change_eventdelivery"),
    })


@login_required
@require_POST
def event_delivery_retry_view(request, pk: int):
    delivery = get_object_or_404(EventDelivery, pk=pk)
    perform(request, lambda: event_delivery_retry(delivery=delivery, user=request.user),
            success=_("事件投递 #%(id)s 已重新排队") % {"id": delivery.pk})
    return redirect("portal:event_deliveries")


def failed_event_deliveries_panel(request) -> dict | None:
    """On the 主管's home page: after-commit work that failed for good and waits for them."""
    if not request.user.has_perm("ordermgmt.view_eventdelivery"):
        return None
    failed = EventDelivery.objects.filter(status=EventDelivery.Status.FAILED).count()
    return {"failed_event_deliveries": failed} if failed else None
