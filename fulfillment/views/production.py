from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform
from orders.models import Order
from orders.selectors import orders_visible_to

from ..forms import ProductionPlanForm, QcForm, ReasonForm, StockForm
from ..models import ProductionOrder, ProductionStatus
from ..selectors import late_production_count, production_queue
from ..services import (
    production_order_cancel,
    production_order_pass_qc,
    production_order_plan,
    production_order_raise,
    production_order_start,
    production_order_stock,
)
from .common import page_query

VIEWS = [
    ("open", gettext_lazy("未完成")), ("late", gettext_lazy("逾期")), ("done", gettext_lazy("已入库/已取消")),
    ("all", gettext_lazy("全部")),
]


@login_required
@permission_required("fulfillment.view_productionorder", raise_exception=True)
def production_list(request):
    view = request.GET.get("view") or "open"
    query = request.GET.get("q", "")
    page = Paginator(production_queue(view=view, query=query), 30).get_page(request.GET.get("page"))
    return render(request, "fulfillment/production_list.html", {
        "page": page, "view": view, "views": VIEWS, "q": query, "query_string": page_query(request),
        "late_count": late_production_count(), "today": timezone.localdate(),
    })


@login_required
@permission_required("fulfillment.view_productionorder", raise_exception=True)
def production_detail(request, pk: int, *, plan_form=None):
    production_order = get_object_or_404(
        ProductionOrder.objects.select_related("order", "order__customer", "order_line", "owner", "batch", "warehouse"),
        pk=pk,
    )
    initial = {"owner": production_order.owner_id, "planned_start": production_order.planned_start,
               "planned_finish": production_order.planned_finish}
    return render(request, "fulfillment/production_detail.html", {
        "po": production_order,
        "late_reason": production_order.late_reason(),
        "steps": _steps(production_order),
        "plan_form": plan_form or ProductionPlanForm(initial=initial),
        "qc_form": QcForm(), "stock_form": StockForm(), "cancel_form": ReasonForm(),
        "can_manage": request.user.has_perm("fulfillment.manage_production"),
    })


def _steps(production_order) -> list[dict]:
    flow = [ProductionStatus.PLANNED, ProductionStatus.IN_PROGRESS, ProductionStatus.QC_PASSED, ProductionStatus.STOCKED]
    current = flow.index(production_order.status) if production_order.status in flow else -1
    return [{"label": s.label, "done": i < current, "current": i == current} for i, s in enumerate(flow)]


@login_required
@require_POST
@permission_required("fulfillment.manage_production", raise_exception=True)
def production_plan(request, pk: int):
    production_order = get_object_or_404(ProductionOrder, pk=pk)
    form = ProductionPlanForm(request.POST)
    if not form.is_valid():
        return production_detail(request, pk, plan_form=form)
    ok, _ = perform(request, lambda: production_order_plan(
        production_order=production_order, user=request.user, owner=form.cleaned_data["owner"],
        planned_start=form.cleaned_data["planned_start"], planned_finish=form.cleaned_data["planned_finish"],
    ), gettext("生产单 %(number)s 的计划已保存") % {"number": production_order.number})
    if not ok:
        return production_detail(request, pk, plan_form=form)
    return redirect("fulfillment:production_detail", pk=pk)


@login_required
@require_POST
@permission_required("fulfillment.manage_production", raise_exception=True)
def production_step(request, pk: int, step: str):
    production_order = get_object_or_404(ProductionOrder, pk=pk)
    label = production_order.number
    if step == "start":
        perform(request, lambda: production_order_start(production_order=production_order, user=request.user),
                gettext("生产单 %(number)s 已开工") % {"number": label})
    elif step == "pass_qc":
        form = QcForm(request.POST)
        form.is_valid()
        perform(request, lambda: production_order_pass_qc(
            production_order=production_order, user=request.user, note=form.cleaned_data.get("note", "")),
            gettext("生产单 %(number)s 质检合格") % {"number": label})
    elif step == "stock":
        form = StockForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("请选择入库仓库"))
        else:
            ok, result = perform(request, lambda: production_order_stock(
                production_order=production_order, user=request.user, warehouse=form.cleaned_data["warehouse"]))
            if ok:
                _stock_message(request, result)
    elif step == "cancel":
        form = ReasonForm(request.POST)
        form.is_valid()
        perform(request, lambda: production_order_cancel(
            production_order=production_order, user=request.user, reason=form.cleaned_data.get("reason", "")),
            gettext("生产单 %(number)s 已取消") % {"number": label})
    else:
        raise Http404("未知操作")
    return redirect("fulfillment:production_detail", pk=pk)


def _stock_message(request, result) -> None:
    number = result.production_order.number
    if result.order_finished:
        messages.success(
            request,
            gettext("生产单 %(number)s 已入库，订单 %(order)s 生产完成，等待出库")
            % {"number": number, "order": result.production_order.order.number},
        )
    elif result.warning:
        messages.warning(request, gettext("生产单 %(number)s：%(warning)s") % {"number": number, "warning": result.warning})
    else:
        messages.success(request, gettext("生产单 %(number)s 已入库（订单还有其他生产单未完成）") % {"number": number})


@login_required
@require_POST
@permission_required("fulfillment.manage_production", raise_exception=True)
def production_raise(request, number: str):
    order = get_object_or_404(orders_visible_to(request.user), number=number)
    ok, created = perform(request, lambda: production_order_raise(order=order, user=request.user))
    if ok:
        if created:
            messages.success(request, gettext("已生成生产单：%(numbers)s") % {"numbers": "、".join(p.number for p in created)})
        else:
            messages.info(request, gettext("该订单的定制商品都已有生产单或库存，无需再生成"))
    return redirect("orders:detail", number=number)
