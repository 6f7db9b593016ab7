"""Closed periods (结账), the monthly voucher export and the account codes it uses (科目映射)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform

from .. import services
from ..forms import AccountMappingForm, MonthForm
from ..models import AccountMapping, ClosedPeriod, SettlementAccount
from ..vouchers import month_vouchers, vouchers_workbook
from .common import XLSX, download, form_errors, require_permission


def _previous_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


@login_required
@permission_required("finance.view_closedperiod", raise_exception=True)
def ledger(request):
    """Vouchers of a month (preview and Excel), the closed months, the account codes."""
    form = MonthForm(request.GET or None, initial={"month": _previous_month()})
    month = form.cleaned_data["month"] if form.is_valid() else _previous_month()
    vouchers = month_vouchers(month) if request.user.has_perm("finance.export_vouchers") else []
    return render(request, "finance/ledger.html", {
        "form": form, "month": month, "vouchers": vouchers,
        "unbalanced": [v for v in vouchers if not v.is_balanced],
        "month_closed": ClosedPeriod.objects.filter(month=month.replace(day=1)).exists(),
        "closed": ClosedPeriod.objects.select_related("closed_by")[:24],
        "close_form": MonthForm(initial={"month": _previous_month()}),
        "can_close": request.user.has_perm("finance.close_period"),
        "can_export": request.user.has_perm("finance.export_vouchers"),
        "accounts": AccountMapping.objects.all(),
    })


@login_required
@permission_required("finance.export_vouchers", raise_exception=True)
def vouchers_export(request):
    form = MonthForm(request.GET)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("finance:ledger")
    month = form.cleaned_data["month"]
    return download(vouchers_workbook(month), XLSX, f"vouchers-{month:%Y%m}.xlsx")


@login_required
@require_POST
def period_close(request):
    require_permission(request, "finance.close_period", _("结账"))
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        month = form.cleaned_data["month"]
        perform(request, lambda: services.period_close(month=month, user=request.user, note=request.POST.get("note", "")),
                _("%(month)s 已结账") % {"month": f"{month:%Y-%m}"})
    return redirect("finance:ledger")


@login_required
def accounts(request):
    """科目映射: a 主管 sets the account codes of the company's ledger."""
    require_permission(request, "finance.change_accountmapping", _("修改科目映射"))
    mappings = list(AccountMapping.objects.all())
    form = AccountMappingForm(request.POST or None, mappings=mappings)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            ok, _changed = perform(request, lambda: services.account_mapping_update(user=request.user, codes=form.codes()),
                                   _("科目映射已保存"))
            if ok:
                return redirect("finance:ledger")
    return render(request, "finance/account_mapping.html", {
        "form": form, "mappings": mappings,
        "settlement_accounts": SettlementAccount.objects.order_by("kind", "name"),
    })
