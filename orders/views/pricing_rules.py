"""Price rules maintained by a 主管 in the portal: contract prices, level discounts,
quantity breaks, promotions and freight rules. One generic list/form per rule type."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from ordermgmt.errors import BusinessError
from ordermgmt.history import history_entries, history_page
from ordermgmt.widgets import DateInput
from ordermgmt.money import number_formfield

from ..models import ContractPrice, FreightRule, LevelDiscount, Promotion, QuantityBreak
from ..services import price_rule_deactivate, price_rule_save


@dataclass(frozen=True)
class RuleType:
    slug: str
    model: type
    title: str
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    search: tuple[str, ...] = ()

    @property
    def codename(self) -> str:
        return self.model._meta.model_name


RULE_TYPES = {
    rule.slug: rule
    for rule in [
        RuleType("contract-prices", ContractPrice, gettext_lazy("客户合同价"),
                 ("customer", "product", "unit_price", "valid_from", "valid_to", "note", "is_active"),
                 ("customer", "product", "unit_price", "valid_from", "valid_to", "note", "is_active"),
                 ("customer__name", "product__sku", "product__name")),
        RuleType("level-discounts", LevelDiscount, gettext_lazy("等级折扣"),
                 ("level", "product", "category", "percent_of_list", "valid_from", "valid_to", "is_active"),
                 ("level", "product", "category", "percent_of_list", "valid_from", "valid_to", "is_active")),
        RuleType("quantity-breaks", QuantityBreak, gettext_lazy("阶梯价"),
                 ("product", "min_quantity", "unit_price", "valid_from", "valid_to", "is_active"),
                 ("product", "min_quantity", "unit_price", "valid_from", "valid_to", "is_active"),
                 ("product__sku", "product__name")),
        RuleType("promotions", Promotion, gettext_lazy("促销活动"),
                 ("name", "kind", "percent_off", "product", "category", "threshold", "amount_off", "stackable",
                  "valid_from", "valid_to", "is_active"),
                 ("name", "kind", "percent_off", "threshold", "amount_off", "stackable", "valid_from", "valid_to",
                  "is_active"),
                 ("name",)),
        RuleType("freight-rules", FreightRule, gettext_lazy("运费规则"),
                 ("province", "city", "base_fee", "per_kg_fee", "free_over", "is_active"),
                 ("province", "city", "base_fee", "per_kg_fee", "free_over", "is_active"),
                 ("province", "city")),
    ]
}


def _rule_type(slug: str) -> RuleType:
    rule = RULE_TYPES.get(slug)
    if rule is None:
        raise Http404("未知的价格规则类型")
    return rule


def _require(request, rule: RuleType, action: str) -> None:
    if not request.user.has_perm(f"orders.{action}_{rule.codename}"):
        raise PermissionDenied(_("您的角色没有权限查看价格规则") if action == "view" else _("您的角色没有权限维护价格规则"))


def _form_class(rule: RuleType):
    widgets = {name: DateInput() for name in ("valid_from", "valid_to")}
    return forms.modelform_factory(rule.model, fields=rule.fields, widgets=widgets, formfield_callback=number_formfield)


@login_required
def rule_list(request, kind: str):
    rule = _rule_type(kind)
    _require(request, rule, "view")
    rows = rule.model.objects.all()
    query = request.GET.get("q", "").strip()
    if query and rule.search:
        from django.db.models import Q

        condition = Q()
        for field in rule.search:
            condition |= Q(**{f"{field}__icontains": query})
        rows = rows.filter(condition)
    if request.GET.get("inactive") != "1":
        rows = rows.filter(is_active=True)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    headers = [rule.model._meta.get_field(name).verbose_name for name in rule.columns]
    table = [(obj, [getattr(obj, f"get_{name}_display", lambda n=name, o=obj: getattr(o, n))() for name in rule.columns])
             for obj in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "orders/pricing/rule_list.html", {
        "rule": rule, "rule_types": RULE_TYPES.values(), "page": page, "table": table, "headers": headers,
        "q": query, "query_string": params.urlencode(),
        "can_change": request.user.has_perm(f"orders.change_{rule.codename}"),
    })


@login_required
def rule_edit(request, kind: str, pk: int | None = None):
    rule = _rule_type(kind)
    _require(request, rule, "change" if pk else "add")
    instance = get_object_or_404(rule.model, pk=pk) if pk else None
    form = _form_class(rule)(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = price_rule_save(user=request.user, rule=form.save(commit=False))
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(rule)s“%(name)s”已保存，新录入和修改的未审核订单按新规则定价；已审核订单价格不变")
                % {"rule": rule.title, "name": saved},
            )
            return redirect("orders:price_rules", kind=kind)
    return render(request, "orders/pricing/rule_form.html", {"rule": rule, "form": form, "instance": instance})


@login_required
@require_POST
def rule_deactivate(request, kind: str, pk: int):
    rule = _rule_type(kind)
    _require(request, rule, "change")
    instance = get_object_or_404(rule.model, pk=pk)
    try:
        price_rule_deactivate(user=request.user, rule=instance)
    except BusinessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(rule)s“%(name)s”已停用") % {"rule": rule.title, "name": instance})
    return redirect("orders:price_rules", kind=kind)


@login_required
def rule_history(request, kind: str, pk: int):
    """历史 of one rule: who set which price, discount or period, and when."""
    rule = _rule_type(kind)
    _require(request, rule, "view")
    instance = get_object_or_404(rule.model, pk=pk)
    entries = history_entries([instance.history.all()], label=lambda record: str(rule.title))
    return history_page(request, title=f"{rule.title} · {instance}", entries=entries,
                        back_url=reverse("orders:price_rules", args=[kind]), back_label=_("返回列表"))


@login_required
def rule_home(request):
    return redirect("orders:price_rules", kind="promotions")
