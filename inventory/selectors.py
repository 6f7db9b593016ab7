from datetime import timedelta

from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from .models import Product, PurchaseRequest, StockAllocation, StockBatch, StockMovement


def product_stock(query: str = "", *, low_only: bool = False) -> QuerySet[Product]:
    """Products with on hand / allocated / available (sums over batches, one query)."""
    products = Product.objects.with_stock()
    query = (query or "").strip().lower()
    if query:
        products = products.filter(Q(search_key__contains=query) | Q(sku__icontains=query))
    products = products.annotate(below_safety=Q(available__lt=F("safety_stock")))
    if low_only:
        products = products.filter(stock_type="stock", available__lt=F("safety_stock"))
    return products.order_by("sku")


def shipped_quantities_by_line(order) -> dict[int, int]:
    """Quantity already shipped (consumed allocations) per order line id."""
    rows = (
        StockAllocation.objects.filter(order_line__order=order, state=StockAllocation.State.CONSUMED)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["order_line_id"]: row["total"] for row in rows}


def stock_by_warehouse(product: Product) -> list[dict]:
    return list(
        StockBatch.objects.filter(product=product)
        .values("warehouse__code", "warehouse__name", "warehouse__is_quarantine")
        .annotate(
            on_hand=Coalesce(Sum("quantity_remaining"), 0),
            allocated=Coalesce(Sum("quantity_allocated"), 0),
        )
        .annotate(available=F("on_hand") - F("allocated"))
        .order_by("warehouse__code")
    )


def batches(*, product: Product | None = None, warehouse_id=None, include_empty: bool = False, query: str = ""):
    rows = StockBatch.objects.select_related("product", "warehouse")
    if product is not None:
        rows = rows.filter(product=product)
    if warehouse_id:
        rows = rows.filter(warehouse_id=warehouse_id)
    if not include_empty:
        rows = rows.filter(quantity_remaining__gt=0)
    query = (query or "").strip()
    if query:
        rows = rows.filter(Q(batch_no__icontains=query) | Q(product__sku__icontains=query) | Q(product__name__icontains=query))
    return rows.order_by("received_at", "id")


def recent_movements(product: Product, limit: int = 30):
    return StockMovement.objects.filter(batch__product=product).select_related("batch", "actor")[:limit]


def purchase_requests(state: str = "") -> QuerySet[PurchaseRequest]:
    rows = PurchaseRequest.objects.select_related("product", "order", "received_batch")
    if state in PurchaseRequest.State.values:
        rows = rows.filter(state=state)
    return rows


def product_picker_search(query: str = "") -> QuerySet[Product]:
    """The product picker (products on sale): by SKU or a fragment of it, name, spec, full
    pinyin or initials of the name. Index-backed at 50,000 products like the customer
    picker (SKU, name, initials and pinyin from their start; three characters or more also
    anywhere in the search key, which holds the SKU and spec too). The SKU exactly first,
    then from its start, then the initials, then by SKU."""
    query = (query or "").strip()
    products = Product.objects.filter(is_active=True)
    if not query:
        return products.order_by("sku")
    lower, upper = query.lower(), query.upper()
    found = (Q(sku__startswith=query) | Q(sku__startswith=upper) | Q(initials__startswith=lower)
             | Q(pinyin__startswith=lower) | Q(name__startswith=query))
    if len(query) >= 3:
        found |= Q(search_key__contains=lower)
    rank = Case(
        When(Q(sku=query) | Q(sku=upper), then=Value(0)),
        When(Q(sku__startswith=query) | Q(sku__startswith=upper), then=Value(1)),
        When(initials__startswith=lower, then=Value(2)),
        default=Value(3), output_field=IntegerField(),
    )
    return products.filter(found).annotate(rank=rank).order_by("rank", "sku")


def near_expiry_batches(*, today, within_days: int, warehouse_id=None) -> QuerySet[StockBatch]:
    """效期预警: batches of expiry-tracked products still in stock that expire within
    ``within_days`` of ``today`` (or already have), soonest first — what to sell first or
    write off. Each carries ``days_left`` (negative: expired) computed by the caller's date."""
    batches = (
        StockBatch.objects.filter(product__tracks_expiry=True, quantity_remaining__gt=0, expiry_date__isnull=False,
                                  expiry_date__lte=today + timedelta(days=within_days))
        .select_related("product", "warehouse")
        .order_by("expiry_date", "warehouse__code", "pk")
    )
    if warehouse_id is not None:
        batches = batches.filter(warehouse_id=warehouse_id)
    return batches
