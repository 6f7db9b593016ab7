from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.errors import BusinessError
from ordermgmt.history import history_entries, history_page
from ordermgmt.http import redirect_back
from ordermgmt.pickers import Picker

from inventory import selectors
from inventory.forms import AdjustForm, CancelRequestForm, MarkOrderedForm, ReceiveForm
from inventory.models import Product, PurchaseRequest, StockBatch, Warehouse
from inventory.services import (
    purchase_request_cancel,
    purchase_request_mark_ordered,
    purchase_request_receive,
    stock_adjust,
    stock_receive,
)


@login_required
@permission_required("inventory.view_product", raise_exception=True)
def stock_overview(request):
    query = request.GET.get("q", "")
    low_only = request.GET.get("low") == "1"
    page = Paginator(selectors.product_stock(query, low_only=low_only), 30).get_page(request.GET.get("page"))
    in_transit = Counter()
    for (product_id, _destination), quantity in selectors.in_transit_quantities([p.pk for p in page]).items():
        in_transit[product_id] += quantity
    for product in page:
        product.in_transit = in_transit[product.pk]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "inventory/stock_overview.html",
        {"page": page, "q": query, "low_only": low_only, "query_string": params.urlencode()},
    )


@login_required
@permission_required("inventory.view_product", raise_exception=True)
def product_stock_detail(request, pk: int):
    product = get_object_or_404(Product.objects.with_stock(), pk=pk)
    return render(
        request,
        "inventory/product_detail.html",
        {
            "product": product,
            "by_warehouse": selectors.stock_by_warehouse(product),
            "batches": selectors.batches(product=product),
            "movements": selectors.recent_movements(product),
            "requests": product.purchase_requests.filter(state__in=["open", "ordered"]).select_related("order"),
            "receive_form": ReceiveForm(initial={"product": product.pk}),
            "now": timezone.now(),
        },
    )


@login_required
@permission_required("inventory.view_product", raise_exception=True)
def product_history(request, pk: int):
    product = get_object_or_404(Product, pk=pk)
    return history_page(request, title=str(product), entries=history_entries([product.history.all()], label=lambda r: _("商品资料")),
                        back_url=reverse("inventory:product", args=[pk]), back_label=_("返回商品"))


@login_required
@permission_required("inventory.view_stockbatch", raise_exception=True)
def batch_list(request):
    query = request.GET.get("q", "")
    warehouse = request.GET.get("warehouse", "")
    rows = selectors.batches(
        warehouse_id=warehouse if warehouse.isdigit() else None,
        include_empty=request.GET.get("all") == "1",
        query=query,
    )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "inventory/batch_list.html",
        {
            "page": page, "q": query, "warehouse": warehouse, "warehouses": Warehouse.objects.all(),
            "now": timezone.now(), "query_string": params.urlencode(), "adjust_form": AdjustForm(),
        },
    )


@login_required
@permission_required("inventory.add_stockbatch", raise_exception=True)
def receive_view(request):
    """入库: goods arrive; waiting orders are allocated automatically afterwards."""
    initial = {}
    if request.GET.get("request", "").isdigit():
        pr = PurchaseRequest.objects.filter(pk=request.GET["request"]).first()
        if pr is not None:
            initial = {"purchase_request": pr.pk, "product": pr.product_id, "quantity": pr.quantity}
    elif request.GET.get("product", "").isdigit():
        initial = {"product": request.GET["product"]}
    form = ReceiveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["purchase_request"]:
                batch = purchase_request_receive(
                    request=data["purchase_request"], warehouse=data["warehouse"], quantity=data["quantity"],
                    user=request.user, batch_no=data["batch_no"],
                    production_date=data["production_date"], expiry_date=data["expiry_date"],
                )
            else:
                batch = stock_receive(
                    product=data["product"], warehouse=data["warehouse"], quantity=data["quantity"],
                    user=request.user, batch_no=data["batch_no"], reason=data["reason"] or "入库",
                    production_date=data["production_date"], expiry_date=data["expiry_date"],
                )
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("已入库：批次 %(batch)s，%(sku)s × %(quantity)s。等待该商品的订单将按优先级自动分配。")
                % {"batch": batch.batch_no, "sku": batch.product.sku, "quantity": batch.quantity_received},
            )
            return redirect("inventory:product", pk=batch.product_id)
    return render(request, "inventory/receive.html", {"form": form})


@login_required
@permission_required("inventory.change_stockbatch", raise_exception=True)
@require_POST
def batch_adjust_view(request, pk: int):
    batch = get_object_or_404(StockBatch, pk=pk)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("盘点调整未保存：请填写盘点数量（不小于0）和调整原因"))
    else:
        try:
            movement = stock_adjust(
                batch=batch, counted_quantity=form.cleaned_data["counted_quantity"],
                reason=form.cleaned_data["reason"], user=request.user,
            )
        except BusinessError as error:
            messages.error(request, str(error))
        else:
            if movement is None:
                messages.info(request, _("批次 %(batch)s 盘点数量与账面一致，无需调整") % {"batch": batch.batch_no})
            else:
                messages.success(request, _("批次 %(batch)s 已调整 %(change)s") % {"batch": batch.batch_no, "change": f"{movement.quantity:+d}"})
    return redirect_back(request, "inventory:batches")


@login_required
@permission_required("inventory.view_purchaserequest", raise_exception=True)
def purchase_request_list(request):
    state = request.GET.get("state", "open")
    page = Paginator(selectors.purchase_requests(state), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/purchase_requests.html",
        {"page": page, "state": state, "states": PurchaseRequest.State.choices, "query_string": f"state={state}"},
    )


@login_required
@permission_required("inventory.change_purchaserequest", raise_exception=True)
@require_POST
def purchase_request_action(request, pk: int, action: str):
    pr = get_object_or_404(PurchaseRequest, pk=pk)
    try:
        if action == "ordered":
            form = MarkOrderedForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("预计到货日期无效"))
                return redirect_back(request, "inventory:purchase_requests")
            purchase_request_mark_ordered(request=pr, user=request.user, note=form.cleaned_data["note"],
                                          expected_date=form.cleaned_data["expected_date"])
            messages.success(request, _("采购申请 %(number)s 已标记为已下单") % {"number": pr.number})
        elif action == "cancel":
            form = CancelRequestForm(request.POST)
            purchase_request_cancel(request=pr, user=request.user, reason=form.data.get("reason", ""))
            messages.success(request, _("采购申请 %(number)s 已取消") % {"number": pr.number})
        else:
            messages.error(request, _("未知操作"))
    except BusinessError as error:
        messages.error(request, str(error))
    return redirect_back(request, "inventory:purchase_requests")


class ProductPicker(Picker):
    """The product picker of the order lines: products on sale by SKU, name, spec, pinyin
    or initials."""

    permission = "inventory.view_product"

    def search(self, query):
        return selectors.product_picker_search(query)
