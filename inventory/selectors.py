from django.db.models import F, Q, QuerySet

from .models import Product


def product_stock(query: str = "") -> QuerySet[Product]:
    """Products with on hand / allocated / available (sums over batches, one query)."""
    products = Product.objects.with_stock()
    query = (query or "").strip().lower()
    if query:
        products = products.filter(Q(search_key__contains=query) | Q(sku__icontains=query))
    return products.annotate(below_safety=Q(available__lt=F("safety_stock"))).order_by("sku")
