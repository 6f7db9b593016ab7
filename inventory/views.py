from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .selectors import product_stock


@login_required
@permission_required("inventory.view_product", raise_exception=True)
def stock_overview(request):
    query = request.GET.get("q", "")
    page = Paginator(product_stock(query), 30).get_page(request.GET.get("page"))
    return render(request, "inventory/stock_overview.html", {"page": page, "q": query})
