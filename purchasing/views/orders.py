"""Purchase order pages: list, new (by hand or from purchase requests), detail with approval,
receipt line by line, cancellation, returns to the supplier, and the printable order."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ordermgmt.errors import BusinessError
from ordermgmt.flash import perform

from .. import selectors, services
from ..forms import FromRequestsForm, PurchaseOrderHeadForm, PurchaseOrderLineFormSet, ReasonForm, ReceiveLineForm
from ..models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, SupplierReturn

STATUS_TABS = [("open", gettext_lazy("未完结"))] + list(PurchaseOrderStatus.choices) + [("", gettext_lazy("全部"))]


@login_required
@permission_required("purchasing.view_purchaseorder", raise_exception=True)
def purchase_order_list(request):
    status = request.GET.get("status", "open")
    page = Paginator(selectors.purchase_orders(status), 30).get_page(request.GET.get("page"))
    return render(request, "purchasing/purchase_order_list.html", {
        "page": page, "status": status, "tabs": STATUS_TABS, "query_string": f"status={status}",
    })


def _lines_from(formset) -> list:
    return [services.PurchaseLineInput(product=form.cleaned_data["product"], quantity=form.cleaned_data["quantity"],
                                       unit_price=form.cleaned_data["unit_price"])
            for form in formset.forms if form.has_changed() and form.cleaned_data]


@login_required
@permission_required("purchasing.add_purchaseorder", raise_exception=True)
def purchase_order_new(request):
    """采购单 by hand: supplier, receiving warehouse, lines with the agreed prices."""
    head = PurchaseOrderHeadForm(request.POST or None, suppliers=selectors.orderable_suppliers())
    lines = PurchaseOrderLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and head.is_valid() and lines.is_valid():
        try:
            purchase_order = services.purchase_order_create(user=request.user, lines=_lines_from(lines), **head.cleaned_data)
        except BusinessError as error:
            head.add_error(None, str(error))
        else:
            return _created(request, purchase_order)
    return render(request, "purchasing/purchase_order_new.html", {"head": head, "lines": lines})


def _created(request, purchase_order):
    if purchase_order.status == PurchaseOrderStatus.PENDING_APPROVAL:
        messages.info(request, _("采购单 %(number)s 已提交，金额超过审批额度，等待主管审批") % {"number": purchase_order.number})
    else:
        messages.success(request, _("采购单 %(number)s 已下单") % {"number": purchase_order.number})
    return redirect("purchasing:purchase_order", pk=purchase_order.pk)


@login_required
@permission_required("purchasing.add_purchaseorder", raise_exception=True)
def purchase_order_from_requests_view(request):
    """Pick open purchase requests; one purchase order at the supplier's registered prices."""
    form = FromRequestsForm(request.POST or None, suppliers=selectors.orderable_suppliers())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            purchase_order = services.purchase_order_from_requests(user=request.user, requests=list(data.pop("requests")),
                                                                   **data)
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            return _created(request, purchase_order)
    return render(request, "purchasing/purchase_order_from_requests.html", {"form": form})


@login_required
@permission_required("purchasing.view_purchaseorder", raise_exception=True)
def purchase_order_detail(request, pk: int):
    purchase_order = get_object_or_404(PurchaseOrder.objects.select_related("supplier", "warehouse"), pk=pk)
    lines = purchase_order.lines.select_related("product").prefetch_related("requests")
    return render(request, "purchasing/purchase_order_detail.html", {
        "po": purchase_order, "lines": lines,
        "receipts": selectors.receipts_of(purchase_order),
        "returns": SupplierReturn.objects.filter(receipt__line__purchase_order=purchase_order)
        .select_related("receipt__line__product"),
        "receive_form": ReceiveLineForm(),
    })


@login_required
@permission_required("purchasing.view_purchaseorder", raise_exception=True)
def purchase_order_print(request, pk: int):
    purchase_order = get_object_or_404(PurchaseOrder.objects.select_related("supplier", "warehouse"), pk=pk)
    return render(request, "purchasing/purchase_order_print.html", {
        "po": purchase_order, "lines": purchase_order.lines.select_related("product"),
        "printed_at": timezone.localtime(),
    })


@login_required
@require_POST
def purchase_order_action(request, pk: int, action: str):
    purchase_order = get_object_or_404(PurchaseOrder, pk=pk)
    if action == "approve":
        perform(request, lambda: services.purchase_order_approve(purchase_order=purchase_order, user=request.user),
                _("采购单 %(number)s 已审批下单") % {"number": purchase_order.number})
    elif action == "cancel":
        reason = ReasonForm(request.POST).data.get("reason", "")
        perform(request, lambda: services.purchase_order_cancel(purchase_order=purchase_order, user=request.user,
                                                                reason=reason),
                _("采购单 %(number)s 已取消") % {"number": purchase_order.number})
    return redirect("purchasing:purchase_order", pk=purchase_order.pk)


@login_required
@require_POST
def purchase_order_receive(request, pk: int, line_pk: int):
    line = get_object_or_404(PurchaseOrderLine, pk=line_pk, purchase_order_id=pk)
    form = ReceiveLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("收货未保存：数量须为不小于0的整数，日期格式为 年-月-日"))
    else:
        ok, receipt = perform(request, lambda: services.purchase_order_receive_line(line=line, user=request.user,
                                                                                    **form.cleaned_data))
        if ok:
            messages.success(request, _("第%(line)s行已收货：合格 %(accepted)s，不合格 %(rejected)s。等待该商品的订单将自动分配。")
                             % {"line": line.line_no, "accepted": receipt.quantity_accepted,
                                "rejected": receipt.quantity_rejected})
    return redirect("purchasing:purchase_order", pk=pk)


@login_required
@require_POST
def supplier_return_action(request, pk: int):
    supplier_return = get_object_or_404(SupplierReturn.objects.select_related("receipt__line"), pk=pk)
    perform(request, lambda: services.supplier_return_ship(supplier_return=supplier_return, user=request.user),
            _("已退货出库"))
    return redirect("purchasing:purchase_order", pk=supplier_return.receipt.line.purchase_order_id)
