"""盘点 pages: list, start, detail (entry, Excel sheet, variance report), post and cancel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.errors import BusinessError
from ordermgmt.flash import perform
from ordermgmt.workbooks import BadFile

from inventory import selectors
from inventory.count_workbook import count_sheet, read_count_sheet
from inventory.models import CountStatus, StockCount, Warehouse
from inventory.operation_forms import CountForm, CountUploadForm, ReasonForm
from inventory.services.counts import CountScope, count_cancel, count_post, count_record, count_start

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@permission_required("inventory.view_stockcount", raise_exception=True)
def count_list(request):
    status, warehouse = request.GET.get("status", ""), request.GET.get("warehouse", "")
    rows = selectors.counts(status=status, warehouse_id=warehouse if warehouse.isdigit() else None)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "inventory/count_list.html", {
        "page": page, "status": status, "statuses": CountStatus.choices, "warehouse": warehouse,
        "warehouses": Warehouse.objects.all(), "query_string": params.urlencode(),
    })


@login_required
@permission_required("inventory.add_stockcount", raise_exception=True)
def count_new(request):
    form = CountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope = CountScope(warehouse=data["warehouse"], category=data["category"], product_query=data["product_query"])
        try:
            count = count_start(scope=scope, user=request.user, blind=data["blind"], tolerance=data["tolerance"],
                                note=data["note"])
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("盘点单 %(number)s 已开始，账面数量已快照") % {"number": count.number})
            return redirect("inventory:count", pk=count.pk)
    return render(request, "inventory/count_new.html", {"form": form})


@login_required
@permission_required("inventory.view_stockcount", raise_exception=True)
def count_detail(request, pk: int):
    count = get_object_or_404(StockCount.objects.select_related("warehouse", "category", "created_by", "posted_by"),
                              pk=pk)
    rows = selectors.count_report(count)
    # A blind count hides the books from the counters; the 主管 who posts sees the variance.
    sees_books = not count.blind or not count.is_open or request.user.has_perm("inventory.post_stockcount")
    return render(request, "inventory/count_detail.html", {
        "count": count, "rows": rows, "sees_books": sees_books,
        "counted": sum(1 for row in rows if row.line.final_quantity is not None),
        "to_recount": sum(1 for row in rows if row.needs_recount),
        "variance_value": sum((row.variance_value for row in rows if row.variance_value is not None), 0),
        "movements": selectors.count_movements_since_snapshot(count),
        "can_change": count.is_open and request.user.has_perm("inventory.change_stockcount"),
        "can_post": count.is_open and request.user.has_perm("inventory.post_stockcount"),
        "upload_form": CountUploadForm(),
    })


def _entered(request, prefix: str, line_ids) -> dict[int, int]:
    values = {}
    for line_id in line_ids:
        value = (request.POST.get(f"{prefix}_{line_id}") or "").strip()
        if value:
            if not value.isdigit():
                raise BusinessError(_("盘点数量必须是不小于 0 的整数"))
            values[line_id] = int(value)
    return values


@login_required
@permission_required("inventory.change_stockcount", raise_exception=True)
@require_POST
def count_record_view(request, pk: int):
    count = get_object_or_404(StockCount, pk=pk)
    line_ids = list(count.lines.values_list("pk", flat=True))

    def record():
        return count_record(count=count, user=request.user, counted=_entered(request, "counted", line_ids),
                            recounted=_entered(request, "recount", line_ids))

    ok, changed = perform(request, record)
    if ok:
        messages.success(request, _("已保存 %(n)s 行盘点数量") % {"n": changed})
    return redirect("inventory:count", pk=pk)


@login_required
@permission_required("inventory.view_stockcount", raise_exception=True)
def count_sheet_download(request, pk: int):
    count = get_object_or_404(StockCount, pk=pk)
    response = HttpResponse(count_sheet(count), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{count.number}.xlsx"'
    return response


@login_required
@permission_required("inventory.change_stockcount", raise_exception=True)
@require_POST
def count_upload(request, pk: int):
    count = get_object_or_404(StockCount, pk=pk)
    form = CountUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的盘点表（.xlsx）"))
        return redirect("inventory:count", pk=pk)
    try:
        upload = read_count_sheet(form.cleaned_data["file"].read())
    except BadFile as error:
        messages.error(request, str(error))
        return redirect("inventory:count", pk=pk)
    if upload.problems:
        messages.error(request, _("盘点表未导入：") + "；".join(upload.problems))
        return redirect("inventory:count", pk=pk)
    ok, changed = perform(request, lambda: count_record(count=count, user=request.user, counted=upload.counted,
                                                        recounted=upload.recounted))
    if ok:
        messages.success(request, _("盘点表已导入：%(n)s 行有变化") % {"n": changed})
    return redirect("inventory:count", pk=pk)


@login_required
@permission_required("inventory.post_stockcount", raise_exception=True)
@require_POST
def count_post_view(request, pk: int):
    count = get_object_or_404(StockCount, pk=pk)
    perform(request, lambda: count_post(count=count, user=request.user),
            success=_("盘点单 %(number)s 已过账，差异已写入库存流水") % {"number": count.number})
    return redirect("inventory:count", pk=pk)


@login_required
@permission_required("inventory.change_stockcount", raise_exception=True)
@require_POST
def count_cancel_view(request, pk: int):
    count = get_object_or_404(StockCount, pk=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    perform(request, lambda: count_cancel(count=count, user=request.user, reason=form.cleaned_data.get("reason", "")),
            success=_("盘点单 %(number)s 已取消") % {"number": count.number})
    return redirect("inventory:count", pk=pk)
