from django.db.models import F, Q, QuerySet

from .models import Product


def product_stock(query: str = "") -> QuerySet[Product]:
    """Products with on hand / allocated / available (sums over batches, one query)."""
    products = Product.objects.with_stock()
    query = (query or "").strip().lower()
    if query:
        products = products.filter(Q(search_key__contains=query) | Q(sku__icontains=query))
    return products.annotate(below_safety=Q(available__lt=F("safety_stock"))).order_by("sku")


def shipped_quantities_by_line(order) -> dict[int, int]:
    """Quantity already shipped (consumed allocations) per order line id."""
    from django.db.models import Sum

    from .models import StockAllocation

    rows = (
        StockAllocation.objects.filter(order_line__order=order, state=StockAllocation.State.CONSUMED)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["order_line_id"]: row["total"] for row in rows}
