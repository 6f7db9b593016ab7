from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform
from orders.models import Order
from orders.selectors import orders_visible_to

from ..forms import ChangeWarehouseForm, PackForm, PickListForm, ReasonForm, ShipForm
from ..models import PickList
from ..selectors import orders_waiting_for_picking, pick_list_detail, pick_list_queue
from ..services import (
    order_change_warehouse,
    pick_list_cancel,
    pick_list_create,
    pick_list_mark_packed,
    pick_list_mark_picked,
    pick_list_ship,
    pickable_allocations,
)
from .common import page_query


@login_required
@permission_required("fulfillment.view_picklist", raise_exception=True)
def pick_queue(request):
    view = request.GET.get("view") or "open"
    query = request.GET.get("q", "")
    page = Paginator(pick_list_queue(view=view, query=query), 30).get_page(request.GET.get("page"))
    return render(request, "fulfillment/pick_queue.html", {
        "waiting": orders_waiting_for_picking()[:50] if view == "open" else [],
        "page": page, "view": view, "q": query, "query_string": page_query(request),
    })


@login_required
@permission_required("fulfillment.manage_picking", raise_exception=True)
def pick_list_new(request, number: str):
    order = get_object_or_404(orders_visible_to(request.user).select_related("customer"), number=number)
    everything = pickable_allocations(order)
    # A pick list per warehouse: the page shows one warehouse's goods (the first by code unless chosen).
    warehouses = sorted({a.batch.warehouse for a in everything}, key=lambda w: w.code)
    chosen = request.GET.get("warehouse", "")
    warehouse = next((w for w in warehouses if str(w.pk) == chosen), warehouses[0] if warehouses else None)
    allocations = [a for a in everything if warehouse is None or a.batch.warehouse_id == warehouse.pk]
    form = PickListForm(request.POST or None, allocations=allocations)
    if request.method == "POST" and form.is_valid():
        ok, pick_list = perform(request, lambda: pick_list_create(
            order=order, user=request.user, quantities=form.quantities(), note=form.cleaned_data["note"]))
        if ok:
            messages.success(request, gettext("拣货单 %(number)s 已生成，请打印后拣货") % {"number": pick_list.number})
            return redirect("fulfillment:pick_list_detail", pk=pick_list.pk)
    return render(request, "fulfillment/pick_list_new.html",
                  {"order": order, "form": form, "warehouses": warehouses, "warehouse": warehouse})


@login_required
@require_POST
@permission_required("fulfillment.manage_picking", raise_exception=True)
def order_warehouse_change(request, number: str):
    """更换发货仓 (before picking): re-allocated from the chosen warehouse."""
    order = get_object_or_404(orders_visible_to(request.user), number=number)
    form = ChangeWarehouseForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请选择发货仓库"))
    else:
        warehouse = form.cleaned_data["warehouse"]
        perform(request, lambda: order_change_warehouse(order=order, warehouse=warehouse, user=request.user,
                                                        reason=form.cleaned_data["reason"]),
                success=gettext("已改由 %(warehouse)s 发货，库存已重新分配") % {"warehouse": warehouse.name})
    return redirect("orders:detail", number=order.number)


def _detail(request, pk: int, *, ship_form=None, status=200):
    try:
        pick_list = pick_list_detail(pk)
    except PickList.DoesNotExist as error:
        raise Http404("拣货单不存在") from error
    return render(request, "fulfillment/pick_list_detail.html", {
        "pick_list": pick_list,
        "shipment": getattr(pick_list, "shipment", None) if pick_list.status == "shipped" else None,
        "pack_form": PackForm(initial={"package_count": pick_list.package_count}),
        "ship_form": ship_form or ShipForm(),
        "cancel_form": ReasonForm(),
        "can_manage": request.user.has_perm("fulfillment.manage_picking"),
    }, status=status)


@login_required
@permission_required("fulfillment.view_picklist", raise_exception=True)
def pick_list_detail_view(request, pk: int):
    return _detail(request, pk)


@login_required
@require_POST
@permission_required("fulfillment.manage_picking", raise_exception=True)
def pick_list_step(request, pk: int, step: str):
    pick_list = get_object_or_404(PickList, pk=pk)
    if step == "picked":
        perform(request, lambda: pick_list_mark_picked(pick_list=pick_list, user=request.user),
                gettext("拣货单 %(number)s 拣货完成") % {"number": pick_list.number})
    elif step == "packed":
        form = PackForm(request.POST)
        if form.is_valid():
            perform(request, lambda: pick_list_mark_packed(
                pick_list=pick_list, user=request.user, package_count=form.cleaned_data["package_count"]),
                gettext("拣货单 %(number)s 打包完成") % {"number": pick_list.number})
        else:
            messages.error(request, gettext("包裹数必须是 1–999 的整数"))
    elif step == "cancel":
        form = ReasonForm(request.POST)
        form.is_valid()
        perform(request, lambda: pick_list_cancel(
            pick_list=pick_list, user=request.user, reason=form.cleaned_data.get("reason", "")),
            gettext("拣货单 %(number)s 已作废") % {"number": pick_list.number})
    else:
        raise Http404("未知操作")
    return redirect("fulfillment:pick_list_detail", pk=pk)


@login_required
@require_POST
@permission_required("fulfillment.manage_picking", raise_exception=True)
def pick_list_ship_view(request, pk: int):
    pick_list = get_object_or_404(PickList, pk=pk)
    form = ShipForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, ship_form=form, status=400)
    ok, shipment = perform(request, lambda: pick_list_ship(
        pick_list=pick_list, user=request.user, carrier=form.cleaned_data["carrier"],
        tracking_number=form.cleaned_data["tracking_number"],
        expected_delivery_date=form.cleaned_data["expected_delivery_date"],
    ))
    if not ok:
        return _detail(request, pk, ship_form=form, status=400)
    order = shipment.order
    order.refresh_from_db()
    messages.success(
        request,
        (
            gettext("拣货单 %(number)s 已出库：%(carrier)s %(tracking)s；订单已全部出库")
            if order.status != "allocated"
            else gettext("拣货单 %(number)s 已出库：%(carrier)s %(tracking)s；订单还有商品待出库（部分发货）")
        )
        % {"number": pick_list.number, "carrier": shipment.carrier.name, "tracking": shipment.tracking_number},
    )
    return redirect("fulfillment:pick_list_detail", pk=pk)
