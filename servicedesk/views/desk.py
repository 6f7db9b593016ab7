"""Stage monitoring, complaint analysis and categories (the 主管's and analysts' pages)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform
from ordermgmt.money import parse_quantity
from orders.models import OrderStatus

from .. import services
from ..analysis import complaint_analysis
from ..forms import PeriodForm
from ..models import ComplaintCategory
from ..selectors import monitoring_board
from ..stages import RULES_BY_STAGE


@login_required
@permission_required("servicedesk.view_stageflag", raise_exception=True)
def monitoring(request):
    """Orders past their stage's threshold, by stage, the longest waiting first."""
    stage = request.GET.get("stage", "")
    if stage not in RULES_BY_STAGE:
        stage = ""
    board = monitoring_board(stage=stage)
    return render(request, "servicedesk/monitoring.html", {
        "board": board, "stage": stage, "total": sum(len(group["flags"]) for group in board),
        "stages": [(s, OrderStatus(s).label) for s in RULES_BY_STAGE],
    })


@login_required
@permission_required("servicedesk.view_complaint", raise_exception=True)
def analysis(request):
    form = PeriodForm(request.GET or None)
    today = timezone.localdate()
    start, end = today.replace(day=1), today
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    if end < start or (end - start) > timedelta(days=731):
        messages.error(request, _("请选择两年以内、结束不早于开始的时间段"))
        start, end = today.replace(day=1), today
    return render(request, "servicedesk/analysis.html", {
        "form": form, "data": complaint_analysis(start, end), "start": start, "end": end,
        "can_edit_improvements": request.user.has_perm("servicedesk.change_complaintcategory"),
    })


@login_required
@permission_required("servicedesk.view_complaintcategory", raise_exception=True)
def categories(request):
    tops = ComplaintCategory.objects.filter(parent__isnull=True).prefetch_related("children")
    return render(request, "servicedesk/categories.html", {
        "categories": tops, "can_change": request.user.has_perm("servicedesk.change_complaintcategory"),
    })


@login_required
@require_POST
def category_save(request, pk: int | None = None):
    """Add (``pk`` empty) or change a category; record its 改进措施."""
    user, post = request.user, request.POST
    if not user.has_perm("servicedesk.change_complaintcategory"):
        raise PermissionDenied(_("只有主管可以维护投诉分类"))
    if pk is None:
        parent = ComplaintCategory.objects.filter(pk=post.get("parent") or 0).first() if post.get("parent") else None
        perform(request, lambda: services.category_create(user=user, name=post.get("name", ""), parent=parent),
                success=_("分类已添加"))
        return redirect("servicedesk:categories")
    category = get_object_or_404(ComplaintCategory, pk=pk)
    if "improvement" in post:
        perform(request, lambda: services.category_improvement_update(user=user, category=category,
                                                                      improvement=post.get("improvement", "")),
                success=_("“%(name)s”的改进措施已保存") % {"name": category.name})
        return redirect("servicedesk:analysis" if post.get("next") == "analysis" else "servicedesk:categories")
    perform(request, lambda: services.category_update(
        user=user, category=category, name=post.get("name", ""), is_active=post.get("is_active") == "on",
        position=parse_quantity(post.get("position") or "100", label=_("排序"), minimum=0, maximum=9999)),
        success=_("分类已保存"))
    return redirect("servicedesk:categories")
