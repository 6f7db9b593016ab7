"""发货仓规则 (主管): which warehouses serve which destination or channel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.errors import BusinessError
from ordermgmt.policies import get_policy

from inventory.forms import WarehouseRuleForm
from inventory.models import WarehouseRule
from inventory.policies import WAREHOUSE_ALWAYS_SPLIT
from inventory.services.warehouse_rules import parse_warehouse_codes, warehouse_rule_delete, warehouse_rule_save


@login_required
@permission_required("inventory.view_warehouserule", raise_exception=True)
def warehouse_rule_list(request):
    rules = WarehouseRule.objects.prefetch_related("steps__warehouse").order_by("channel", "province", "city", "name")
    return render(request, "inventory/warehouse_rules.html", {
        "rules": rules, "always_split": get_policy(WAREHOUSE_ALWAYS_SPLIT),
    })


@login_required
@permission_required("inventory.change_warehouserule", raise_exception=True)
def warehouse_rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(WarehouseRule, pk=pk) if pk else None
    data = request.POST if request.method == "POST" else None
    form = WarehouseRuleForm.for_rule(rule, data) if rule else WarehouseRuleForm(data)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            warehouse_rule_save(
                user=request.user, rule=rule, name=values["name"], province=values["province"], city=values["city"],
                channel=values["channel"], min_shelf_life_days=values["min_shelf_life_days"] or 0,
                is_active=values["is_active"], warehouses=parse_warehouse_codes(values["warehouses"]),
            )
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("发货仓规则已保存，之后分配的订单按新规则选仓。"))
            return redirect("inventory:warehouse_rules")
    return render(request, "inventory/warehouse_rule_form.html", {"form": form, "rule": rule})


@login_required
@permission_required("inventory.change_warehouserule", raise_exception=True)
@require_POST
def warehouse_rule_remove(request, pk: int):
    rule = get_object_or_404(WarehouseRule, pk=pk)
    try:
        warehouse_rule_delete(user=request.user, rule=rule)
    except BusinessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("发货仓规则已删除"))
    return redirect("inventory:warehouse_rules")
