"""The 主管's retention page: what the monthly job would anonymise now (the dry run), a button
to do it now, and the runs so far."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.errors import ActionForbidden
from ordermgmt.flash import perform

from ..models import RetentionRun
from ..services import retention_apply, retention_plan
from ..services.retention import PERMISSION


def _check(user) -> None:
    if not user.has_perm(PERMISSION):
        raise ActionForbidden(_("只有主管可以查看和执行个人信息匿名化"))


@login_required
def retention_overview(request):
    _check(request.user)
    return render(request, "orders/retention.html", {
        "plan": retention_plan(),
        "runs": RetentionRun.objects.select_related("ran_by")[:24],
    })


@login_required
@require_POST
def retention_apply_view(request):
    _check(request.user)
    ok, run = perform(request, lambda: retention_apply(user=request.user))
    if ok:
        messages.success(request, _("匿名化已完成：订单 %(orders)s 个，客户 %(customers)s 个") % {
            "orders": run.orders, "customers": run.customers})
    return redirect("orders:retention")
