"""Standard costs (标准成本) kept by finance."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory.models import Product
from ordermgmt.flash import perform

from ..forms import StandardCostForm
from ..services import standard_cost_set

COST_PERMISSION = "finance.change_standard_cost"


@login_required
@permission_required(COST_PERMISSION, raise_exception=True)
def standard_costs(request):
    products = Product.objects.filter(is_active=True).order_by("sku")
    query = (request.GET.get("q") or "").strip()
    if query:
        products = products.filter(search_key__contains=query.lower())
    if request.GET.get("missing"):
        products = products.filter(standard_cost__isnull=True)
    page = Paginator(products, 50).get_page(request.GET.get("page"))
    return render(request, "finance/standard_costs.html", {"page": page, "query": query,
                                                           "missing": bool(request.GET.get("missing"))})


@login_required
@require_POST
@permission_required(COST_PERMISSION, raise_exception=True)
def standard_cost_edit(request, pk: int):
    product = get_object_or_404(Product, pk=pk)
    form = StandardCostForm(request.POST)
    if form.is_valid():
        perform(request, lambda: standard_cost_set(user=request.user, product=product,
                                                   standard_cost=form.cleaned_data["standard_cost"]),
                success=_("%(sku)s 的标准成本已保存") % {"sku": product.sku})
    back = request.POST.get("next") or ""
    # Back to the same page of the list (a path of this page only, never another site).
    return redirect(back if back.startswith(reverse("finance:standard_costs")) else "finance:standard_costs")
