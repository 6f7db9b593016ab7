"""Replenishment pages (proposals, rules) and the slow-moving stock (积压) report."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.errors import BusinessError
from ordermgmt.flash import perform

from .. import selectors, services
from ..export import slow_moving_workbook
from ..forms import ProposalEditForm, ReplenishmentRuleForm, SlowMovingFilterForm
from ..models import ProposalState, ReplenishmentProposal, ReplenishmentRule


@login_required
@permission_required("purchasing.view_replenishmentproposal", raise_exception=True)
def proposal_list(request):
    state = request.GET.get("state", ProposalState.OPEN)
    page = Paginator(selectors.proposals(state), 30).get_page(request.GET.get("page"))
    return render(request, "purchasing/proposal_list.html", {
        "page": page, "state": state, "states": ProposalState.choices, "query_string": f"state={state}",
        "rules": selectors.replenishment_rules()[:200], "rule_form": ReplenishmentRuleForm(),
        "edit_form": ProposalEditForm(),
    })


@login_required
@require_POST
def proposal_action(request, pk: int, action: str):
    proposal = get_object_or_404(ReplenishmentProposal, pk=pk)
    if action == "accept":
        ok, accepted = perform(request, lambda: services.proposal_accept(proposal=proposal, user=request.user))
        if ok:
            made = accepted.purchase_request.number if accepted.purchase_request else accepted.transfer.number
            messages.success(request, _("已采纳补货建议：%(made)s") % {"made": made})
    elif action == "dismiss":
        perform(request, lambda: services.proposal_dismiss(proposal=proposal, user=request.user,
                                                           reason=request.POST.get("reason", "")),
                _("已忽略该补货建议"))
    elif action == "edit":
        form = ProposalEditForm(request.POST)
        if form.is_valid():
            perform(request, lambda: services.proposal_update(proposal=proposal, user=request.user, **form.cleaned_data),
                    _("补货建议已修改"))
        else:
            messages.error(request, _("补货建议未修改：数量须为正整数"))
    return redirect("purchasing:proposals")


@login_required
@permission_required("purchasing.change_replenishmentrule", raise_exception=True)
def rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(ReplenishmentRule, pk=pk) if pk else None
    form = ReplenishmentRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.replenishment_rule_set(user=request.user, **form.cleaned_data)
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("补货规则已保存"))
            return redirect("purchasing:proposals")
    return render(request, "purchasing/rule_form.html", {"form": form, "rule": rule})


@login_required
@permission_required("purchasing.view_slow_moving_report", raise_exception=True)
def slow_moving_report(request):
    form = SlowMovingFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    by = filters.get("by") or "idle"
    rows = selectors.slow_moving_batches(
        warehouse_id=getattr(filters.get("warehouse"), "pk", None), category_id=getattr(filters.get("category"), "pk", None),
        min_idle_days=filters.get("min_idle_days") or 0,
    )
    summary = selectors.slow_moving_summary(rows, by=by)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(slow_moving_workbook(rows, summary, by=by),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'积压库存-{timezone.localdate():%Y%m%d}.xlsx')}"
        return response
    params = request.GET.copy()
    params["format"] = "xlsx"
    return render(request, "purchasing/slow_moving.html", {
        "form": form, "by": by, "summary": summary, "rows": rows[:300], "row_count": len(rows),
        "buckets": [label for _low, _high, label in selectors.AGE_BUCKETS], "export_query": params.urlencode(),
        "total_quantity": sum(r.batch.quantity_remaining for r in rows), "total_value": sum(r.value for r in rows),
    })
