from dataclasses import dataclass
from decimal import Decimal
from datetime import timedelta

from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from .models import Product, PurchaseRequest, StockAllocation, StockBatch, StockMovement
from .models import CountStatus, StockCount, StockCountLine, TransferLine, TransferOrder, TransferStatus


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


def in_transit_quantities(product_ids=None) -> dict[tuple[int, int], int]:
    """在途: quantity shipped by a transfer and not yet received, per
    ``(product_id, destination warehouse id)``."""
    rows = TransferLine.objects.filter(transfer__status=TransferStatus.SHIPPED)
    if product_ids is not None:
        rows = rows.filter(product_id__in=list(product_ids))
    totals = rows.values("product_id", "transfer__destination_id").annotate(total=Sum("quantity")).order_by()
    return {(row["product_id"], row["transfer__destination_id"]): row["total"] for row in totals}


def transfers(*, status: str = "", warehouse_id=None, query: str = "") -> QuerySet[TransferOrder]:
    """Transfer orders for the list page: by status, a warehouse on either side, and a product
    or the number (DB000012 or 12)."""
    rows = TransferOrder.objects.select_related("source", "destination", "created_by")
    if status in TransferStatus.values:
        rows = rows.filter(status=status)
    if warehouse_id:
        rows = rows.filter(Q(source_id=warehouse_id) | Q(destination_id=warehouse_id))
    query = (query or "").strip()
    if query:
        number = query.upper().removeprefix("DB").lstrip("0")
        found = Q(lines__product__sku__icontains=query) | Q(lines__product__name__icontains=query)
        if number.isdigit():
            found |= Q(pk=int(number))
        rows = rows.filter(found).distinct()
    return rows


def transfer_movements(transfer: TransferOrder):
    return StockMovement.objects.filter(document=transfer.number).select_related("batch", "batch__warehouse", "actor")


def counts(*, status: str = "", warehouse_id=None) -> QuerySet[StockCount]:
    rows = StockCount.objects.select_related("warehouse", "category", "created_by", "posted_by")
    if status in CountStatus.values:
        rows = rows.filter(status=status)
    if warehouse_id:
        rows = rows.filter(warehouse_id=warehouse_id)
    return rows


VALUE_BASIS_COST, VALUE_BASIS_STANDARD, VALUE_BASIS_LIST = "进价", "标准成本", "标准单价"


def unit_value(batch: StockBatch) -> tuple[Decimal, str]:
    """What one unit of a batch is worth in a variance report, and on which basis: the
    batch's purchase price, else the product's standard cost, else its list price."""
    if batch.unit_cost is not None:
        return batch.unit_cost, VALUE_BASIS_COST
    if batch.product.standard_cost is not None:
        return batch.product.standard_cost, VALUE_BASIS_STANDARD
    return batch.product.list_price, VALUE_BASIS_LIST


@dataclass(frozen=True)
class CountRow:
    line: StockCountLine
    moved: int  # net movements since the snapshot
    expected: int  # snapshot + moved (at posting, for a posted count)
    unit_value: Decimal
    value_basis: str
    needs_recount: bool

    @property
    def variance(self) -> int | None:
        final = self.line.final_quantity
        return None if final is None else final - self.expected

    @property
    def variance_value(self) -> Decimal | None:
        return None if self.variance is None else self.unit_value * self.variance


def count_report(count: StockCount) -> list[CountRow]:
    """The variance report: per batch, snapshot, moved since, expected, counted, variance and
    its value. A posted count shows the figures it was posted with."""
    moved = movements_since_snapshot(count)
    rows = []
    for line in count.lines.select_related("batch__product", "counted_by"):
        since = moved.get(line.batch_id, 0)
        expected = line.expected_at_posting if line.expected_at_posting is not None else line.snapshot_quantity + since
        value, basis = unit_value(line.batch)
        rows.append(CountRow(line=line, moved=since, expected=expected, unit_value=value, value_basis=basis,
                             needs_recount=count.is_open and line_needs_recount(line, expected, count.tolerance)))
    return rows


def _movements_after_snapshot(count: StockCount) -> QuerySet[StockMovement]:
    """The ledger entries of the count's batches written after its snapshot."""
    return StockMovement.objects.filter(batch__in=StockCountLine.objects.filter(count=count).values("batch_id"),
                                        pk__gt=count.snapshot_movement_id)


def movements_since_snapshot(count: StockCount) -> dict[int, int]:
    """``{batch id: net quantity moved since the snapshot}`` for the count's batches."""
    rows = _movements_after_snapshot(count).values("batch_id").order_by().annotate(moved=Sum("quantity"))
    return {row["batch_id"]: row["moved"] for row in rows}


def line_needs_recount(line: StockCountLine, expected: int, tolerance: int) -> bool:
    """A first count further from the books than the tolerance must be counted again."""
    return (line.counted_quantity is not None and line.recount_quantity is None
            and abs(line.counted_quantity - expected) > tolerance)


def count_movements_since_snapshot(count: StockCount):
    """The ledger entries of the count's batches written after its snapshot (shown on its page)."""
    return _movements_after_snapshot(count).select_related("batch__product", "actor").order_by("id")


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
