"""Reads shared by purchasing's pages, services and the daily replenishment job."""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from inventory import selectors as inventory_selectors
from inventory.models import PurchaseRequest, StockBatch, StockMovement, TransferStatus

from .models import (
    PURCHASE_ORDER_OPEN, ProposalKind, ProposalState, PurchaseOrder, PurchaseOrderLine, PurchaseReceipt,
    ReplenishmentProposal,
    ReplenishmentRule, Supplier, SupplierProduct, SupplierQualification, SupplierStatus,
)

DEMAND_WINDOW_DAYS = 8 * 7
# A product no approved supplier lists yet is assumed to take this long to buy.
DEFAULT_LEAD_TIME_DAYS = 7


# --- suppliers and purchase orders ----------------------------------------------------------

def suppliers(status: str = "", query: str = "") -> QuerySet[Supplier]:
    rows = Supplier.objects.all()
    if status in SupplierStatus.values:
        rows = rows.filter(status=status)
    query = (query or "").strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(credit_code__icontains=query))
    return rows.annotate(next_expiry=Min("qualifications__expires_on"))


def expiring_qualifications(*, within_days: int, today: date | None = None) -> QuerySet[SupplierQualification]:
    today = today or timezone.localdate()
    return (SupplierQualification.objects.filter(expires_on__lte=today + timedelta(days=within_days))
            .exclude(supplier__status=SupplierStatus.DISABLED).select_related("supplier"))


def purchase_orders(status: str = "") -> QuerySet[PurchaseOrder]:
    rows = PurchaseOrder.objects.select_related("supplier", "warehouse", "created_by")
    if status == "open":
        return rows.filter(status__in=PURCHASE_ORDER_OPEN)
    if status:
        rows = rows.filter(status=status)
    return rows


def receipts_of(purchase_order: PurchaseOrder) -> QuerySet[PurchaseReceipt]:
    return (PurchaseReceipt.objects.filter(line__purchase_order=purchase_order)
            .select_related("line__product", "batch", "quarantine_batch", "received_by"))


def orderable_suppliers() -> QuerySet[Supplier]:
    """Approved suppliers without an expired qualification (the purchase order form's choices)."""
    today = timezone.localdate()
    return Supplier.objects.filter(status=SupplierStatus.APPROVED).exclude(qualifications__expires_on__lt=today)


# --- replenishment --------------------------------------------------------------------------

@dataclass(frozen=True)
class ProjectedStock:
    on_hand: int = 0
    allocated: int = 0
    on_order: int = 0
    in_transit: int = 0

    @property
    def projected(self) -> int:
        """on hand − allocated + on order + in transit."""
        return self.on_hand - self.allocated + self.on_order + self.in_transit


def in_transit_quantities(product_ids=None) -> dict[tuple[int, int], int]:
    """Goods on their way between warehouses, by (product, destination warehouse): shipped
    transfers (inventory's 在途), and transfers accepted from a proposal not shipped yet."""
    totals = dict(inventory_selectors.in_transit_quantities(product_ids))
    drafts = ReplenishmentProposal.objects.filter(state=ProposalState.ACCEPTED, kind=ProposalKind.TRANSFER,
                                                  transfer__status=TransferStatus.DRAFT)
    if product_ids is not None:
        drafts = drafts.filter(product_id__in=product_ids)
    for row in drafts.values("product_id", "warehouse_id").annotate(quantity=Sum("quantity")):
        key = (row["product_id"], row["warehouse_id"])
        totals[key] = totals.get(key, 0) + row["quantity"]
    return totals


def on_order_quantities(product_ids=None) -> dict[tuple[int, int], int]:
    """Goods bought and not yet accepted, by (product, receiving warehouse): what open purchase
    order lines still expect, and what accepted replenishment proposals requested that no
    purchase order covers yet."""
    totals: dict[tuple[int, int], int] = {}
    lines = PurchaseOrderLine.objects.filter(purchase_order__status__in=PURCHASE_ORDER_OPEN)
    proposals = ReplenishmentProposal.objects.filter(state=ProposalState.ACCEPTED, kind=ProposalKind.PURCHASE,
                                                     purchase_request__state=PurchaseRequest.State.OPEN)
    if product_ids is not None:
        lines, proposals = lines.filter(product_id__in=product_ids), proposals.filter(product_id__in=product_ids)
    for row in lines.values("product_id", "purchase_order__warehouse_id").annotate(
            outstanding=Sum(F("quantity") - F("quantity_accepted"))):
        key = (row["product_id"], row["purchase_order__warehouse_id"])
        totals[key] = totals.get(key, 0) + row["outstanding"]
    for row in proposals.values("product_id", "warehouse_id").annotate(requested=Sum("purchase_request__quantity")):
        key = (row["product_id"], row["warehouse_id"])
        totals[key] = totals.get(key, 0) + row["requested"]
    return totals


def projected_stock(product_ids=None) -> dict[tuple[int, int], ProjectedStock]:
    """Per (product, warehouse) of the sellable warehouses: on hand, allocated, on order, in transit."""
    batches = StockBatch.objects.filter(warehouse__is_quarantine=False)
    if product_ids is not None:
        batches = batches.filter(product_id__in=product_ids)
    figures: dict[tuple[int, int], dict] = {}
    for row in batches.values("product_id", "warehouse_id").annotate(
            on_hand=Sum("quantity_remaining"), allocated=Sum("quantity_allocated")):
        figures[(row["product_id"], row["warehouse_id"])] = {"on_hand": row["on_hand"], "allocated": row["allocated"]}
    for name, quantities in (("on_order", on_order_quantities(product_ids)),
                             ("in_transit", in_transit_quantities(product_ids))):
        for key, quantity in quantities.items():
            figures.setdefault(key, {})[name] = quantity
    return {key: ProjectedStock(**values) for key, values in figures.items()}


def average_daily_demand(*, today: date, product_ids=None) -> dict[tuple[int, int], Decimal]:
    """Goods shipped per day over the last 8 weeks, by (product, warehouse shipped from)."""
    since = timezone.make_aware(datetime.combine(today - timedelta(days=DEMAND_WINDOW_DAYS), time.min))
    shipments = StockMovement.objects.filter(kind=StockMovement.Kind.SHIPMENT, created_at__gte=since)
    if product_ids is not None:
        shipments = shipments.filter(batch__product_id__in=product_ids)
    return {
        (row["batch__product_id"], row["batch__warehouse_id"]): Decimal(-row["shipped"]) / DEMAND_WINDOW_DAYS
        for row in shipments.values("batch__product_id", "batch__warehouse_id").annotate(shipped=Sum("quantity"))
    }


def lead_times(product_ids=None) -> dict[int, int]:
    """The shortest lead time among the approved suppliers of each product."""
    offers = SupplierProduct.objects.filter(supplier__status=SupplierStatus.APPROVED)
    if product_ids is not None:
        offers = offers.filter(product_id__in=product_ids)
    return dict(offers.values("product_id").annotate(days=Min("lead_time_days")).values_list("product_id", "days"))


def suggested_reorder_point(*, daily_demand: Decimal, lead_time_days: int, safety_stock: int) -> int:
    """Average daily demand × lead time + safety stock, rounded up to whole units."""
    return math.ceil(daily_demand * lead_time_days) + safety_stock


def replenishment_rules() -> QuerySet[ReplenishmentRule]:
    return ReplenishmentRule.objects.select_related("product", "warehouse").filter(
        warehouse__is_active=True, warehouse__is_quarantine=False, product__is_active=True)


def proposals(state: str = "open") -> QuerySet[ReplenishmentProposal]:
    rows = ReplenishmentProposal.objects.select_related("product", "warehouse", "source_warehouse", "purchase_request",
                                                        "transfer", "decided_by")
    if state in ProposalState.values:
        rows = rows.filter(state=state)
    return rows


# --- slow-moving stock (积压) ----------------------------------------------------------------

AGE_BUCKETS = [(0, 30, "0–30天"), (31, 90, "31–90天"), (91, 180, "91–180天"), (181, 365, "181–365天"),
               (366, None, "365天以上")]


def bucket_of(days: int) -> str:
    for low, high, label in AGE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return AGE_BUCKETS[0][2]


@dataclass(frozen=True)
class SlowMovingBatch:
    batch: StockBatch
    age_days: int
    idle_days: int
    value: Decimal

    @property
    def age_bucket(self) -> str:
        return bucket_of(self.age_days)

    @property
    def idle_bucket(self) -> str:
        return bucket_of(self.idle_days)


def slow_moving_batches(*, today: date | None = None, warehouse_id=None, category_id=None,
                        min_idle_days: int = 0) -> list[SlowMovingBatch]:
    """Every batch with goods on hand, with its age (since received), the days since its last
    movement and its value (its purchase price, else the product's standard cost), the
    longest-idle first."""
    today = today or timezone.localdate()
    batches = (StockBatch.objects.filter(quantity_remaining__gt=0)
               .select_related("product__category", "warehouse").annotate(last_moved=Max("movements__created_at")))
    if warehouse_id:
        batches = batches.filter(warehouse_id=warehouse_id)
    if category_id:
        batches = batches.filter(product__category_id=category_id)
    rows = []
    for batch in batches:
        last = timezone.localdate(batch.last_moved or batch.received_at)
        cost = batch.unit_cost if batch.unit_cost is not None else (batch.product.standard_cost or Decimal("0"))
        row = SlowMovingBatch(batch, (today - timezone.localdate(batch.received_at)).days, (today - last).days,
                              cost * batch.quantity_remaining)
        if row.idle_days >= min_idle_days:
            rows.append(row)
    return sorted(rows, key=lambda r: (-r.idle_days, -r.age_days, r.batch.pk))


def slow_moving_summary(rows: list[SlowMovingBatch], *, by: str = "idle") -> list[dict]:
    """Quantity and value per (warehouse, category) and bucket, ``by`` age or idle days."""
    labels = [label for _, _, label in AGE_BUCKETS]
    groups: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row.batch.warehouse.name, row.batch.product.category.name if row.batch.product.category else "未分类")
        group = groups.setdefault(key, {"warehouse": key[0], "category": key[1],
                                        "buckets": {label: [0, Decimal("0")] for label in labels},
                                        "quantity": 0, "value": Decimal("0")})
        bucket = group["buckets"][row.idle_bucket if by == "idle" else row.age_bucket]
        bucket[0] += row.batch.quantity_remaining
        bucket[1] += row.value
        group["quantity"] += row.batch.quantity_remaining
        group["value"] += row.value
    for group in groups.values():
        group["cells"] = [group["buckets"][label] for label in labels]
    return [groups[key] for key in sorted(groups)]
