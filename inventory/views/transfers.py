"""调拨单 pages: list, create, detail (ship / receive / cancel, print)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.errors import BusinessError
from ordermgmt.flash import perform

from inventory import selectors
from inventory.models import TransferOrder, TransferStatus, Warehouse
from inventory.operation_forms import ReasonForm, TransferForm, TransferLineFormSet
from inventory.services.transfers import transfer_cancel, transfer_create, transfer_receive, transfer_ship


@login_required
@permission_required("inventory.view_transferorder", raise_exception=True)
def transfer_list(request):
    status, warehouse, query = request.GET.get("status", ""), request.GET.get("warehouse", ""), request.GET.get("q", "")
    rows = selectors.transfers(status=status, warehouse_id=warehouse if warehouse.isdigit() else None, query=query)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "inventory/transfer_list.html", {
        "page": page, "status": status, "statuses": TransferStatus.choices, "warehouse": warehouse, "q": query,
        "warehouses": Warehouse.objects.all(), "query_string": params.urlencode(),
    })


@login_required
@permission_required("inventory.add_transferorder", raise_exception=True)
def transfer_new(request):
    form = TransferForm(request.POST or None)
    formset = TransferLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        lines = [(row["product"], row["quantity"]) for row in formset.cleaned_data if row.get("product")]
        try:
            transfer = transfer_create(user=request.user, lines=lines, **form.cleaned_data)
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            return redirect("inventory:transfer", pk=transfer.pk)
    return render(request, "inventory/transfer_new.html", {"form": form, "formset": formset})


@login_required
@permission_required("inventory.view_transferorder", raise_exception=True)
def transfer_detail(request, pk: int):
    transfer = get_object_or_404(TransferOrder.objects.select_related("source", "destination", "created_by"), pk=pk)
    lines = transfer.lines.select_related("product").prefetch_related("items__source_batch", "items__destination_batch")
    return render(request, "inventory/transfer_detail.html", {
        "transfer": transfer, "lines": lines, "events": transfer.events.select_related("actor"),
        "movements": selectors.transfer_movements(transfer),
        "can_change": request.user.has_perm("inventory.change_transferorder"),
    })


def _received_quantities(request, transfer: TransferOrder) -> tuple[dict[int, int], dict[int, str]]:
    received, reasons = {}, {}
    for line in transfer.lines.all():
        value = (request.POST.get(f"received_{line.pk}") or "").strip()
        if value:
            if not value.isdigit():
                raise BusinessError(_("实收数量必须是不小于 0 的整数"))
            received[line.pk] = int(value)
        reasons[line.pk] = request.POST.get(f"reason_{line.pk}", "")
    return received, reasons


@login_required
@permission_required("inventory.change_transferorder", raise_exception=True)
@require_POST
def transfer_action(request, pk: int, action: str):
    transfer = get_object_or_404(TransferOrder, pk=pk)
    number = transfer.number
    if action == "ship":
        perform(request, lambda: transfer_ship(transfer=transfer, user=request.user),
                success=_("调拨单 %(number)s 已出库，货物在途") % {"number": number})
    elif action == "receive":
        def receive():
            received, reasons = _received_quantities(request, transfer)
            return transfer_receive(transfer=transfer, user=request.user, received=received, reasons=reasons)

        perform(request, receive, success=_("调拨单 %(number)s 已入库，等待该商品的订单将自动分配") % {"number": number})
    elif action == "cancel":
        form = ReasonForm(request.POST)
        form.is_valid()
        perform(request, lambda: transfer_cancel(transfer=transfer, user=request.user,
                                                 reason=form.cleaned_data.get("reason", "")),
                success=_("调拨单 %(number)s 已取消") % {"number": number})
    else:
        raise Http404(_("未知操作"))
    return redirect("inventory:transfer", pk=pk)
