from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform

from ..forms import ResolveForm, ShipmentEventForm, SignForm
from ..models import Shipment, ShipmentException
from ..selectors import (
    open_exceptions,
    recent_resolved_exceptions,
    shipment_detail,
    shipment_list,
)
from ..services import shipment_event_record, shipment_exception_resolve, shipment_sign
from .common import page_query, safe_next

VIEWS = [
    ("active", gettext_lazy("在途")), ("flagged", gettext_lazy("有异常")), ("delivered", gettext_lazy("已签收")),
    ("all", gettext_lazy("全部")),
]


@login_required
@permission_required("fulfillment.view_shipment", raise_exception=True)
def shipments(request):
    view = request.GET.get("view") or "active"
    query = request.GET.get("q", "")
    page = Paginator(shipment_list(view=view, query=query), 30).get_page(request.GET.get("page"))
    return render(request, "fulfillment/shipment_list.html", {
        "page": page, "view": view, "views": VIEWS, "q": query, "query_string": page_query(request),
        "open_count": open_exceptions().count(),
    })


def _detail(request, pk: int, *, event_form=None, status=200):
    try:
        shipment = shipment_detail(pk)
    except Shipment.DoesNotExist as error:
        raise Http404("运单不存在") from error
    can_manage = request.user.has_perm("fulfillment.manage_shipments")
    return render(request, "fulfillment/shipment_detail.html", {
        "shipment": shipment,
        "proof": getattr(shipment, "proof", None),
        "event_form": event_form or ShipmentEventForm(),
        "resolve_form": ResolveForm(),
        "can_manage": can_manage,
        "can_see_proof": request.user.has_perm("fulfillment.view_deliveryproof"),
    }, status=status)


@login_required
@permission_required("fulfillment.view_shipment", raise_exception=True)
def shipment_detail_view(request, pk: int):
    return _detail(request, pk)


@login_required
@require_POST
@permission_required("fulfillment.manage_shipments", raise_exception=True)
def shipment_event_add(request, pk: int):
    shipment = get_object_or_404(Shipment, pk=pk)
    form = ShipmentEventForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, event_form=form, status=400)
    data = form.cleaned_data
    ok, _ = perform(request, lambda: shipment_event_record(
        shipment=shipment, user=request.user, kind=data["kind"], occurred_at=data["occurred_at"],
        place=data["place"], note=data["note"]), gettext("物流事件已记录"))
    if not ok:
        return _detail(request, pk, event_form=form, status=400)
    return redirect("fulfillment:shipment_detail", pk=pk)


@login_required
@permission_required("fulfillment.manage_shipments", raise_exception=True)
def shipment_sign_view(request, pk: int):
    shipment = get_object_or_404(Shipment.objects.select_related("order", "carrier"), pk=pk)
    if hasattr(shipment, "proof"):
        messages.info(request, gettext("该运单已登记签收"))
        return redirect("fulfillment:shipment_detail", pk=pk)
    form = SignForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            ok, _ = perform(request, lambda: shipment_sign(
                shipment=shipment, user=request.user, receiver_name=data["receiver_name"],
                condition=data["condition"], note=data["note"], signed_at=data["signed_at"],
                signature_data_url=data["signature"], photos=request.FILES.getlist("photos"),
                abnormal_photos=request.FILES.getlist("abnormal_photos"),
            ))
            if ok:
                messages.success(request, gettext("运单 %(shipment)s 已登记签收") % {"shipment": shipment})
                return redirect("fulfillment:shipment_detail", pk=pk)
        status = 400
        if request.FILES:
            messages.warning(request, gettext("为安全起见，已选择的照片需要重新选择"))
    return render(request, "fulfillment/shipment_sign.html", {"shipment": shipment, "form": form}, status=status)


@login_required
@permission_required("fulfillment.view_shipment", raise_exception=True)
def exceptions(request):
    query = request.GET.get("q", "")
    page = Paginator(open_exceptions(query=query), 30).get_page(request.GET.get("page"))
    return render(request, "fulfillment/exception_list.html", {
        "page": page, "q": query, "query_string": page_query(request),
        "resolved": recent_resolved_exceptions(), "resolve_form": ResolveForm(),
        "can_manage": request.user.has_perm("fulfillment.manage_shipments"),
    })


@login_required
@require_POST
@permission_required("fulfillment.manage_shipments", raise_exception=True)
def exception_resolve(request, pk: int):
    flag = get_object_or_404(ShipmentException.objects.select_related("shipment"), pk=pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        perform(request, lambda: shipment_exception_resolve(
            exception=flag, user=request.user, resolution=data["resolution"],
            compensation_amount=data["compensation_amount"], note=data["note"],
        ), gettext("运单 %(shipment)s 的%(kind)s已处理，已通知客户") % {"shipment": flag.shipment, "kind": flag.get_kind_display()})
    else:
        messages.error(request, gettext("请选择处理方式；赔偿金额须为不小于 0 的金额"))
    return redirect(safe_next(request, reverse("fulfillment:exceptions")))
