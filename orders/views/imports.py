"""Excel batch import (upload → preview → confirm), its history, and the order-list export."""

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from customers.selectors import customers_visible_to
from ordermgmt.dbrouting import reads_from_replica
from ordermgmt.errors import ActionForbidden, BusinessError
from ordermgmt.flash import perform

from ..filters import OrderFilter
from ..importing import services
from ..importing.conf import limit
from ..importing.export import export_orders
from ..importing.report import build_error_report
from ..importing.selectors import import_jobs_visible_to
from ..importing.template import build_template
from ..models import ImportJob, OrderLine
from ..selectors import order_list_queryset

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEMS_SHOWN = 500


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("订单文件（.xlsx）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            services.check_upload_size(upload.size)
        except BusinessError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


def _can_see_imports(user) -> bool:
    return user.has_perm("orders.import_orders") or user.has_perm("orders.view_importjob")


@login_required
def import_list(request):
    """The import page: upload a file, and the history of imports."""
    if not _can_see_imports(request.user):
        raise PermissionDenied(_("您的角色没有权限批量导入订单"))
    form = UploadForm()
    if request.method == "POST":
        if not request.user.has_perm("orders.import_orders"):
            raise ActionForbidden(_("您的角色没有权限批量导入订单"))
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.import_job_create(user=request.user, name=upload.name, content=upload.read())
                services.import_job_start(job=job, validate=True)
            except ActionForbidden:
                raise
            except BusinessError as error:
                form.add_error("file", str(error))
            else:
                return redirect("orders:import_detail", pk=job.pk)
    jobs = import_jobs_visible_to(request.user)
    page = Paginator(jobs, settings.ORDER_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/imports/import_list.html", {
        "form": form,
        "page": page,
        "max_mb": limit("ORDER_IMPORT_MAX_BYTES") // 1024 // 1024,
        "max_rows": limit("ORDER_IMPORT_MAX_ROWS"),
    })


@login_required
@permission_required("orders.import_orders", raise_exception=True)
@require_GET
def import_template(request):
    return _xlsx(build_template(customers=customers_visible_to(request.user)), "订单导入模板.xlsx")


def _job_for(request, pk: int) -> ImportJob:
    if not _can_see_imports(request.user):
        raise PermissionDenied(_("您的角色没有权限查看导入记录"))
    return get_object_or_404(import_jobs_visible_to(request.user), pk=pk)


@login_required
def import_detail(request, pk: int):
    job = _job_for(request, pk)
    problems = job.problems
    own = job.created_by_id == request.user.pk and request.user.has_perm("orders.import_orders")
    progress = services.get_progress(job.pk) if job.is_running else None
    return render(request, "orders/imports/import_detail.html", {
        "job": job,
        "problems": problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(len(problems) - PROBLEMS_SHOWN, 0),
        "progress": progress,
        "progress_percent": int(progress["done"] * 100 / progress["total"]) if progress and progress["total"] else 0,
        "can_confirm": own and job.status == ImportJob.Status.READY,
        "can_discard": own and job.status in {ImportJob.Status.READY, ImportJob.Status.INVALID},
        # Only a file with something to fix has a report; notes alone (the template's example
        # row was skipped) don't make one.
        "has_report": bool(job.error_count or job.warning_count),
        "created_orders": job.created_orders[:100],
    })


@login_required
@require_GET
def import_progress(request, pk: int):
    """Polled by the job page while a file is being checked or imported."""
    job = _job_for(request, pk)
    progress = services.get_progress(job.pk) or {}
    done, total = progress.get("done", 0), progress.get("total", 0)
    return JsonResponse({
        "status": job.status,
        "status_label": job.get_status_display(),
        "running": job.is_running,
        "phase": progress.get("phase", ""),
        "done": done,
        "total": total,
        "percent": int(done * 100 / total) if total else 0,
    })


@login_required
@permission_required("orders.import_orders", raise_exception=True)
@require_POST
def import_confirm(request, pk: int):
    job = _job_for(request, pk)
    ok, _started = perform(request, lambda: services.import_job_start(
        job=services.import_job_confirm(job=job, user=request.user, accept_warnings=bool(request.POST.get("accept_warnings"))),
        validate=False,
    ))
    if not ok:
        return redirect("orders:import_detail", pk=job.pk)
    job.refresh_from_db()
    if job.status == ImportJob.Status.IMPORTED:
        messages.success(request, job.message)
    elif job.status in {ImportJob.Status.INVALID, ImportJob.Status.FAILED, ImportJob.Status.READY}:
        messages.error(request, job.message)
    return redirect("orders:import_detail", pk=job.pk)


@login_required
@permission_required("orders.import_orders", raise_exception=True)
@require_POST
def import_discard(request, pk: int):
    job = _job_for(request, pk)
    perform(request, lambda: services.import_job_discard(job=job, user=request.user),
            success=_("已放弃导入记录 #%(id)s，未创建任何订单") % {"id": job.pk})
    return redirect("orders:imports")


@login_required
@require_GET
def import_file(request, pk: int):
    job = _job_for(request, pk)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.original_name, content_type=XLSX)


@login_required
@require_GET
def import_report(request, pk: int):
    job = _job_for(request, pk)
    with job.file.open("rb") as stream:
        data = stream.read()
    stem = job.original_name.rsplit(".", 1)[0]
    return _xlsx(build_error_report(data, job.problems), f"{stem}-错误报告-{job.pk}.xlsx")


@login_required
@permission_required("orders.export_orders", raise_exception=True)
@require_GET
@reads_from_replica
def order_export(request):
    """The order list with its current filters, one row per line, in the template's columns."""
    order_filter = OrderFilter(request.GET, queryset=order_list_queryset(visible_to=request.user))
    orders = order_filter.qs
    line_count = OrderLine.objects.filter(order__in=orders.values("pk")).count()
    if line_count > limit("ORDER_EXPORT_MAX_LINES"):
        messages.error(
            request,
            _("符合条件的订单共有 %(lines)s 行明细，超过单次导出上限 %(limit)s 行，请缩小筛选范围后再导出")
            % {"lines": line_count, "limit": limit("ORDER_EXPORT_MAX_LINES")},
        )
        query = request.GET.urlencode()
        return redirect(reverse("orders:list") + (f"?{query}" if query else ""))
    return _xlsx(export_orders(orders, user=request.user), f"订单导出-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
