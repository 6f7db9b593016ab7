from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _, pgettext

from ordermgmt.errors import BusinessError

from . import charts
from .export import report_workbook
from .forms import ReportRequestForm
from .models import Report
from .services import report_request


# Cost and margin: finance and the 主管 only (the page and the export leave them out for others).
MARGIN = "reports.view_margin"


@login_required
@permission_required("reports.view_report", raise_exception=True)
def report_list(request):
    form = ReportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["period"]
        try:
            report = report_request(user=request.user, start=start, end=end)
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已开始生成《%(title)s》") % {"title": report.title})
            return redirect("reports:detail", pk=report.pk)
    page = Paginator(Report.objects.select_related("requested_by"), 24).get_page(request.GET.get("page"))
    return render(request, "reports/report_list.html", {"form": form, "page": page})


@login_required
@permission_required("reports.view_report", raise_exception=True)
def report_detail(request, pk: int):
    report = get_object_or_404(Report, pk=pk)
    context = {"report": report, "data": report.data, "breakdown_titles": [
        ("channel", _("按渠道")), ("customer_level", _("按客户等级")), ("owner", _("按销售负责人")),
    ], "margin_titles": [
        ("channel", _("按渠道")), ("owner", _("按销售负责人")), ("customer", _("按客户（收入前20）")),
        ("product", _("按商品（收入前20）")), ("order", _("毛利率最低的订单")),
    ]}
    if report.state == Report.State.DONE:
        context["charts"] = _charts(report.data)
    return render(request, "reports/report_detail.html", context)


@login_required
@permission_required("reports.view_report", raise_exception=True)
def report_progress(request, pk: int):
    report = get_object_or_404(Report, pk=pk)
    return JsonResponse({"state": report.state, "progress": report.progress, "error": report.error})


@login_required
@permission_required("reports.view_report", raise_exception=True)
def report_export(request, pk: int):
    report = get_object_or_404(Report, pk=pk, state=Report.State.DONE)
    response = HttpResponse(
        report_workbook(report, include_margin=request.user.has_perm(MARGIN)), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"report_{report.period_start:%Y%m%d}_{report.period_end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _charts(data: dict) -> dict:
    trend = data["trend"]
    labels = [row["month"][2:] for row in trend]
    lead = data["lead_times"]
    return {
        "orders_trend": charts.line_chart(_("月度订单量"), labels, {_("订单量"): [row["orders"] for row in trend],
                                                               pgettext("chart series", "取消"): [row["cancelled"] for row in trend]}),
        "revenue_trend": charts.line_chart(_("月度成交额（元）"), labels, {_("成交额"): [float(row["revenue"]) for row in trend]}),
        "stages": charts.bar_chart(_("各阶段平均耗时（小时）"), [(s["label"], s["avg"] or 0) for s in lead["stages"]], unit="h"),
        "exceptions": charts.bar_chart(_("异常订单数"), [(r["label"], r["orders"]) for r in data["exceptions"]["rows"]]),
        "channels": charts.bar_chart(_("各渠道成交额（元）"), [(r["label"], float(r["revenue"])) for r in data["breakdowns"]["channel"]]),
    }
