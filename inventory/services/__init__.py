"""Every change of stock goes through these functions.

Concurrency rule: a function that changes batches first locks every batch row it may
touch with ``select_for_update`` in primary-key order. All callers lock in the same
order, so two transactions can wait for each other but never deadlock, and a batch's
``quantity_allocated`` can never exceed its ``quantity_remaining`` (also enforced by a
check constraint in the database). Automatic batch numbers come from a counter row
per product and day (``inventory.numbering``), so simultaneous receipts never collide.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Exists, F
from django.utils import timezone

from ordermgmt.bulk import bulk_insert
from ordermgmt.domain_events import publish
from ordermgmt.errors import ActionForbidden, InsufficientStock, InvalidInput
from ordermgmt.language import in_platform_language

from inventory.domain_events import PurchaseRequestReceiving, StockReceived
from inventory.models import (
    Product,
    PurchaseRequest,
    StockAllocation,
    StockBatch,
    StockMovement,
    Warehouse,
    WarehouseRuleStep,
)
from inventory.numbering import next_batch_no

from . import routing


@dataclass(frozen=True)
class Shortage:
    line_no: int
    sku: str
    name: str
    required: int
    available: int

    @property
    def missing(self) -> int:
        return self.required - self.available

    def __str__(self) -> str:
        return f"第{self.line_no}行 {self.sku} {self.name}：需要 {self.required}，可用 {self.available}，缺 {self.missing}"


@transaction.atomic
def stock_receive(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    user=None,
    received_at: datetime | None = None,
    batch_no: str = "",
    reason: str = "",
    notify: bool = True,
    production_date: date | None = None,
    expiry_date: date | None = None,
) -> StockBatch:
    """入库: goods arrive and become a new batch, numbered ``batch_no`` (typed by the clerk,
    refused if taken) or the product's next automatic number of the day.

    A product with ``tracks_expiry`` needs the batch's expiry date (有效期至); its
    production date is kept when known. An expiry before the production date is refused.

    Orders waiting for this product are then allocated (see ``StockReceived``) unless
    ``notify`` is false — production receipts allocate their batch to their own order.
    """
    if quantity <= 0:
        raise InvalidInput("入库数量必须是正整数")
    _check_lot_dates(product, production_date, expiry_date)
    received_at = received_at or timezone.now()
    batch_no = (batch_no or "").strip()
    if batch_no and StockBatch.objects.filter(batch_no=batch_no).exists():
        raise InvalidInput(f"批次号 {batch_no} 已存在，请换一个批次号或留空自动生成")
    batch = StockBatch.objects.create(
        batch_no=batch_no or next_batch_no(product, received_at),
        warehouse=warehouse,
        product=product,
        received_at=received_at,
        quantity_received=quantity,
        quantity_remaining=quantity,
        production_date=production_date,
        expiry_date=expiry_date,
    )
    StockMovement.objects.create(
        batch=batch, kind=StockMovement.Kind.RECEIPT, quantity=quantity, reason=reason, actor=user
    )
    if notify:
        publish(StockReceived(product_ids=(product.pk,)))
    return batch


def _check_lot_dates(product: Product, production_date: date | None, expiry_date: date | None) -> None:
    if product.tracks_expiry and expiry_date is None:
        raise InvalidInput(f"商品 {product.sku} 实行效期管理，入库必须填写有效期至")
    if production_date and expiry_date and expiry_date < production_date:
        raise InvalidInput("有效期至不能早于生产日期")


def _lock_batches(*, product_ids=None, batch_ids=None) -> list[StockBatch]:
    return list(_batches(StockBatch.objects.select_for_update(of=("self",)), product_ids=product_ids, batch_ids=batch_ids))


def _batches(queryset, *, product_ids=None, batch_ids=None):
    if product_ids is not None:
        # Allocation takes from sellable stock only: never from a quarantine warehouse.
        queryset = queryset.filter(product_id__in=product_ids, quantity_remaining__gt=0,
                                   warehouse__is_quarantine=False)
    if batch_ids is not None:
        queryset = queryset.filter(pk__in=batch_ids)
    # What the ledger orders and explains by: FEFO or FIFO, and the warehouse's name.
    # Whether any 发货仓规则 exists rides along (evaluated once by the database), so that an
    # installation without rules never reads them: allocation keeps its statement count.
    queryset = queryset.annotate(tracks_expiry=F("product__tracks_expiry"), warehouse_name=F("warehouse__name"),
                                 any_warehouse_rule=Exists(WarehouseRuleStep.objects.filter(rule__is_active=True)))
    return queryset.order_by("pk")


def _outstanding_quantities(order) -> dict:
    """Quantity per line still to be covered: ordered minus already allocated or shipped."""
    covered = defaultdict(int)
    for allocation in StockAllocation.objects.filter(
        order_line__order=order, state__in=[StockAllocation.State.ACTIVE, StockAllocation.State.CONSUMED]
    ):
        covered[allocation.order_line_id] += allocation.quantity
    return {line: line.quantity - covered[line.pk] for line in order.lines.all() if line.quantity > covered[line.pk]}


def order_shortages(*, order) -> list[Shortage]:
    """What would stop ``stock_allocate_order`` right now (read-only, no locks): the stock
    of the order's warehouses, minus expired or too-short-dated batches."""
    outstanding = _outstanding_quantities(order)
    if not outstanding:
        return []
    batches = _batches(StockBatch.objects.all(), product_ids={line.product_id for line in outstanding})
    ledger = StockLedger(list(batches))
    return ledger.shortages(outstanding, ledger.route_for_order(order))


def available_by_product(product_ids) -> dict[int, int]:
    rows = (
        Product.objects.filter(pk__in=product_ids).with_stock().values_list("pk", "available")
    )
    return dict(rows)


@transaction.atomic
def stock_allocate_order(*, order) -> list[StockAllocation]:
    """Lock stock for every line of the order, oldest batch first, all or nothing.

    Raises ``InsufficientStock`` naming each short line when any line cannot be covered;
    then nothing is allocated.
    """
    return stock_allocate_quantities(quantities=_outstanding_quantities(order), route_order=order)


@transaction.atomic
def stock_release_order(*, order) -> int:
    """Give back every active allocation of the order. Returns the quantity released."""
    active = StockAllocation.objects.filter(order_line__order=order, state=StockAllocation.State.ACTIVE)
    return stock_release_allocations(allocations=list(active))


@transaction.atomic
def stock_consume_order(*, order, user=None) -> int:
    """出库 of everything allocated to the order (stock on hand goes down)."""
    active = list(StockAllocation.objects.filter(order_line__order=order, state=StockAllocation.State.ACTIVE))
    if not active:
        raise InvalidInput(f"订单 {order.number} 没有已锁定的库存，不能出库")
    return stock_consume_allocations(allocations=active, order_number=order.number, user=user)


@transaction.atomic
def stock_allocate_from_batch(*, order_line, batch: StockBatch, quantity: int) -> StockAllocation:
    """Reserve ``quantity`` of one given batch for one order line (goods produced for it).

    FIFO would hand the oldest free batch of the product to this line and leave the new
    batch, made to the customer's specification, to whoever comes next.
    """
    if quantity <= 0:
        raise InvalidInput("分配数量必须是正整数")
    (locked,) = _lock_batches(batch_ids={batch.pk})
    if locked.product_id != order_line.product_id:
        raise InvalidInput(f"批次 {locked.batch_no} 不是订单行的商品 {order_line.product_sku}")
    if locked.quantity_available < quantity:
        raise InsufficientStock(
            f"批次 {locked.batch_no} 可用 {locked.quantity_available}，不足 {quantity}", code="insufficient_stock"
        )
    allocation = StockAllocation.objects.create(order_line=order_line, batch=locked, quantity=quantity)
    StockBatch.objects.filter(pk=locked.pk).update(quantity_allocated=F("quantity_allocated") + quantity)
    return allocation


@transaction.atomic
def stock_split_allocations(*, quantities: dict[int, int]) -> list[StockAllocation]:
    """For ``{allocation id: quantity}``, return active allocations of exactly those quantities.

    Where only part of an allocation is wanted, the remainder stays reserved as its own
    allocation, so that a shipment can carry part of a batch and still consume whole
    allocations. The batch totals do not change. Results follow the order of ``quantities``.
    """
    locked = {
        a.pk: a
        for a in StockAllocation.objects.select_for_update(of=("self",)).select_related("batch")
        .filter(pk__in=list(quantities)).order_by("pk")
    }
    problems = []
    for pk, quantity in quantities.items():
        allocation = locked.get(pk)
        if allocation is None or allocation.state != StockAllocation.State.ACTIVE:
            problems.append("部分库存分配已出库或已释放，请刷新后重试")
        elif not 0 < quantity <= allocation.quantity:
            problems.append(f"批次 {allocation.batch.batch_no} 只锁定了 {allocation.quantity}，不能拣 {quantity}")
    if problems:
        raise InvalidInput("；".join(dict.fromkeys(problems)))
    result = []
    for pk, quantity in quantities.items():
        allocation = locked[pk]
        if quantity == allocation.quantity:
            result.append(allocation)
            continue
        StockAllocation.objects.filter(pk=pk).update(quantity=allocation.quantity - quantity)
        result.append(
            StockAllocation.objects.create(order_line_id=allocation.order_line_id, batch_id=allocation.batch_id,
                                           quantity=quantity)
        )
    return result


@transaction.atomic
def stock_consume_allocations(*, allocations, order_number: str, user=None) -> int:
    """出库 of the given allocations only (one shipment of a partially shipped order)."""
    ids = [a.pk for a in allocations]
    if not ids:
        raise InvalidInput(f"订单 {order_number} 没有要出库的商品")
    locked = list(StockAllocation.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    not_active = [a for a in locked if a.state != StockAllocation.State.ACTIVE]
    if len(locked) != len(set(ids)) or not_active:
        raise InvalidInput(f"订单 {order_number} 的部分库存分配已出库或已释放，请刷新后重试")
    _lock_batches(batch_ids={a.batch_id for a in locked})
    shipped = 0
    for allocation in locked:
        StockBatch.objects.filter(pk=allocation.batch_id).update(
            quantity_allocated=F("quantity_allocated") - allocation.quantity,
            quantity_remaining=F("quantity_remaining") - allocation.quantity,
        )
        StockMovement.objects.create(
            batch_id=allocation.batch_id,
            kind=StockMovement.Kind.SHIPMENT,
            quantity=-allocation.quantity,
            order_number=order_number,
            actor=user,
        )
        shipped += allocation.quantity
    StockAllocation.objects.filter(pk__in=ids).update(state=StockAllocation.State.CONSUMED, closed_at=timezone.now())
    return shipped


@transaction.atomic
def stock_allocate_quantities(*, quantities: dict, route: routing.Route | None = None,
                              route_order=None) -> list[StockAllocation]:
    """Reserve ``{order_line: quantity}`` FIFO (oldest batch first; FEFO for expiry-tracked
    products), from the warehouses of ``route`` (or of the rules for ``route_order``) if
    given, all or nothing.

    ``stock_allocate_order`` asks for what the lines still need; a re-shipment of goods
    lost in transit asks on top of what the lines already had.
    """
    wanted = {line: quantity for line, quantity in quantities.items() if quantity > 0}
    if not wanted:
        return Plan()
    ledger = StockLedger.lock({line.product_id for line in wanted})
    if route is None and route_order is not None:
        route = ledger.route_for_order(route_order)
    plan = ledger.allocate(wanted, route)
    allocations = Plan(ledger.write())
    allocations.reason, allocations.warehouse_ids = plan.reason, plan.warehouse_ids
    return allocations


class Plan(list):
    """``[(order_line, batch, quantity)]`` planned by ``StockLedger.allocate`` (or the
    allocations ``stock_allocate_quantities`` wrote), with the warehouse(s) it takes from
    and why (``reason``: what the order page shows)."""

    reason: str = ""
    warehouse_ids: tuple[int, ...] = ()


class StockLedger:
    """The sellable batches of some products, locked for the rest of the transaction, and
    the allocations planned on them in memory.

    A batch of orders (an import, a backlog, the orders waiting for a receipt) is checked
    and allocated order after order against this ledger — all or nothing per order, exactly
    as ``stock_allocate_quantities`` does for one — and written at the end with two
    statements (``write``). ``lock`` takes the batch rows with ``select_for_update`` in
    primary-key order, the order every stock change uses.

    Which batch first: the oldest receipt (FIFO); for a product with ``tracks_expiry`` the
    earliest expiry (FEFO), and an expired batch is never taken. A ``Route``
    (``inventory.services.routing``) limits an order to its warehouses, in their order, and
    to batches with the shelf life its customer or channel requires.
    """

    def __init__(self, batches: list[StockBatch], *, today: date | None = None) -> None:
        self.today = today or routing.today()
        self.has_rules = any(getattr(batch, "any_warehouse_rule", True) for batch in batches)
        self._fifo: dict[int, list[StockBatch]] = defaultdict(list)
        for batch in sorted(batches, key=_issue_order):
            if not _expired(batch, self.today):
                self._fifo[batch.product_id].append(batch)
        self._planned: list[tuple[object, StockBatch, int]] = []
        self._touched: dict[int, StockBatch] = {}

    @classmethod
    def lock(cls, product_ids) -> "StockLedger":
        product_ids = set(product_ids)
        return cls(_lock_batches(product_ids=product_ids) if product_ids else [])

    def route_for_order(self, order) -> routing.Route:
        """The order's route; the rules are read only if any exist (no stock: nothing to route)."""
        return routing.route_for_order(order, consult_rules=self.has_rules)

    def _candidates(self, product_id: int, route: routing.Route | None, warehouse_ids=None) -> list[StockBatch]:
        """The batches an order may take, in the order it takes them."""
        batches = self._fifo.get(product_id, ())
        if route is None:
            return list(batches)
        min_expiry = route.min_expiry(self.today)
        if min_expiry is not None:
            batches = [b for b in batches if not (b.tracks_expiry and b.expiry_date and b.expiry_date < min_expiry)]
        warehouse_ids = warehouse_ids if warehouse_ids is not None else route.warehouse_ids
        if not warehouse_ids:
            return list(batches)
        rank = {pk: index for index, pk in enumerate(warehouse_ids)}
        return sorted((b for b in batches if b.warehouse_id in rank), key=lambda b: rank[b.warehouse_id])

    def available(self, product_id: int, route: routing.Route | None = None) -> int:
        return sum(batch.quantity_available for batch in self._candidates(product_id, route))

    def shortages(self, outstanding: dict, route: routing.Route | None = None) -> list[Shortage]:
        """What would stop ``allocate(outstanding, route)`` now (the figures of ``order_shortages``)."""
        shortages = []
        needed_per_product: dict[int, int] = defaultdict(int)
        for line, quantity in outstanding.items():
            needed_per_product[line.product_id] += quantity
            free = self.available(line.product_id, route) - (needed_per_product[line.product_id] - quantity)
            if free < quantity:
                shortages.append(Shortage(line.line_no, line.product_sku, line.product_name, quantity, max(free, 0)))
        return shortages

    def allocate(self, wanted: dict, route: routing.Route | None = None) -> Plan:
        """Plan ``{order_line: quantity}``; all or nothing: on a shortage nothing is planned
        and ``InsufficientStock`` names each short line.

        With a route that names warehouses and does not always split, the first of them
        that can serve every line serves the order alone; when none can, they are taken in
        the route's order (拆分).
        """
        if route is not None and route.warehouse_ids and not route.always_split:
            for warehouse_id in route.warehouse_ids:
                plan, shortages = self._plan(wanted, route, (warehouse_id,))
                if not shortages:
                    return self._keep(plan, route, split=False)
        plan, shortages = self._plan(wanted, route)
        if shortages:
            raise InsufficientStock(
                "库存不足，无法分配：" + "；".join(str(s) for s in shortages), code="insufficient_stock"
            ).with_shortages(shortages)
        return self._keep(plan, route, split=True)

    def _plan(self, wanted: dict, route, warehouse_ids=None) -> tuple[Plan, list[Shortage]]:
        taken: dict[int, int] = defaultdict(int)  # batch pk → planned by this call
        plan, shortages = Plan(), []
        for line, quantity in sorted(wanted.items(), key=lambda item: item[0].line_no):
            remaining = quantity
            for batch in self._candidates(line.product_id, route, warehouse_ids):
                take = min(batch.quantity_available - taken[batch.pk], remaining)
                if take > 0:
                    plan.append((line, batch, take))
                    taken[batch.pk] += take
                    remaining -= take
                if remaining == 0:
                    break
            if remaining:
                shortages.append(Shortage(line.line_no, line.product_sku, line.product_name, quantity, quantity - remaining))
        return plan, shortages

    def _keep(self, plan: Plan, route, *, split: bool) -> Plan:
        for line, batch, take in plan:
            batch.quantity_allocated += take
            self._touched[batch.pk] = batch
        self._planned.extend(plan)
        used = list(dict.fromkeys(batch.warehouse_id for _line, batch, _take in plan))
        names = {batch.warehouse_id: batch.warehouse_name for _line, batch, _take in plan}
        plan.warehouse_ids = tuple(used)
        if route is not None:
            plan.reason = route.describe([names[pk] for pk in used], split=split and len(used) > 1)
        return plan

    def write(self) -> list[StockAllocation]:
        """Store the planned allocations and the batches' new counters."""
        if not self._planned:
            return []
        allocations = bulk_insert(
            [StockAllocation(order_line=line, batch=batch, quantity=take) for line, batch, take in self._planned]
        )
        _set_allocated_quantities(self._touched.values())
        self._planned, self._touched = [], {}
        return allocations


def _issue_order(batch: StockBatch) -> tuple:
    """FEFO for expiry-tracked products (a batch without a date last), else FIFO."""
    if batch.tracks_expiry:
        return (batch.expiry_date or date.max, batch.received_at, batch.pk)
    return (date.max, batch.received_at, batch.pk)


def _expired(batch: StockBatch, today: date) -> bool:
    """有效期至 is the last day the goods may be sold."""
    return bool(batch.tracks_expiry and batch.expiry_date and batch.expiry_date < today)


def _set_allocated_quantities(batches) -> None:
    _set_batch_counters([(batch.pk, batch.quantity_allocated) for batch in batches], ("quantity_allocated",))


def _set_batch_counters(rows: list[tuple], fields: tuple[str, ...]) -> None:
    """``rows`` of ``(batch id, *new values of fields)`` written with one UPDATE … FROM
    (VALUES …) per 1,000 batches (a CASE per batch, as ``bulk_update`` writes it, grows with
    the square of their number). The caller holds the batches' locks."""
    table = StockBatch._meta.db_table
    row_values = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    assignments = ", ".join(f"{field} = v.{field}" for field in fields)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            cursor.execute(
                f"WITH v(id, {', '.join(fields)}) AS (VALUES {', '.join([row_values] * len(chunk))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.id",
                [value for row in chunk for value in row],
            )


@transaction.atomic
def stock_release_allocations(*, allocations) -> int:
    """Give back the given active allocations only (a re-shipment that is called off)."""
    ids = [a.pk for a in allocations]
    locked = list(
        StockAllocation.objects.select_for_update()
        .filter(pk__in=ids, state=StockAllocation.State.ACTIVE)
        .order_by("pk")
    )
    if not locked:
        return 0
    _lock_batches(batch_ids={a.batch_id for a in locked})
    for allocation in locked:
        StockBatch.objects.filter(pk=allocation.batch_id).update(
            quantity_allocated=F("quantity_allocated") - allocation.quantity
        )
    StockAllocation.objects.filter(pk__in=[a.pk for a in locked]).update(
        state=StockAllocation.State.RELEASED, closed_at=timezone.now()
    )
    return sum(a.quantity for a in locked)
@transaction.atomic
def stock_adjust(*, batch: StockBatch, counted_quantity: int, reason: str, user=None) -> StockMovement | None:
    """盘点调整: set a batch's quantity on hand to what was counted, with a reason.

    A count below what is already allocated to orders is refused: those orders would
    lose goods promised to them; release or re-allocate them first.
    """
    if not (reason or "").strip():
        raise InvalidInput("盘点调整必须填写原因")
    if counted_quantity < 0:
        raise InvalidInput("盘点数量不能为负数")
    (locked,) = _lock_batches(batch_ids={batch.pk})
    if counted_quantity < locked.quantity_allocated:
        raise InvalidInput(
            f"批次 {locked.batch_no} 已有 {locked.quantity_allocated} 件分配给订单，盘点数量不能少于已分配数量"
        )
    delta = counted_quantity - locked.quantity_remaining
    if delta == 0:
        return None
    fields = {"quantity_remaining": counted_quantity}
    if counted_quantity > locked.quantity_received:
        fields["quantity_received"] = counted_quantity
    StockBatch.objects.filter(pk=locked.pk).update(**fields)
    movement = StockMovement.objects.create(
        batch=locked, kind=StockMovement.Kind.ADJUSTMENT, quantity=delta, reason=reason.strip(), actor=user
    )
    if delta > 0:
        publish(StockReceived(product_ids=(locked.product_id,)))
    return movement


def purchase_requests_raise(*, order, shortages: list[Shortage], user=None) -> list[PurchaseRequest]:
    """采购申请 for the missing quantities of an order, one per product.

    Idempotent: a product that already has an open request for this order gets its
    quantity raised to the current shortage instead of a second request.
    """
    missing_by_product: dict[int, int] = defaultdict(int)
    lines = {line.line_no: line for line in order.lines.all()}
    for shortage in shortages:
        missing_by_product[lines[shortage.line_no].product_id] += shortage.missing
    created = []
    open_requests = {
        r.product_id: r
        for r in PurchaseRequest.objects.select_for_update().filter(
            order=order, state__in=[PurchaseRequest.State.OPEN, PurchaseRequest.State.ORDERED]
        )
    }
    for product_id, missing in missing_by_product.items():
        existing = open_requests.get(product_id)
        if existing is not None:
            if existing.state == PurchaseRequest.State.OPEN and existing.quantity < missing:
                existing.quantity = missing
                existing.save(update_fields=["quantity"])
            continue
        created.append(
            PurchaseRequest.objects.create(
                product_id=product_id,
                quantity=missing,
                order=order,
                is_urgent=order.is_urgent,
                note=f"订单 {order.number} 缺货",
                created_by=user,
            )
        )
    return created


@in_platform_language
@transaction.atomic
def purchase_request_mark_ordered(*, request: PurchaseRequest, user, note: str = "",
                                  expected_date=None) -> PurchaseRequest:
    """已下单 with the supplier, with the date the goods are expected (if known)."""
    _check_purchase_permission(user)
    locked = PurchaseRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != PurchaseRequest.State.OPEN:
        raise InvalidInput(f"采购申请 {locked.number} 当前为“{locked.get_state_display()}”，不能标记为已下单")
    locked.state = PurchaseRequest.State.ORDERED
    locked.expected_date = expected_date
    if note:
        locked.note = f"{locked.note}；{note}" if locked.note else note
    locked.save(update_fields=["state", "note", "expected_date"])
    return locked


@in_platform_language
@transaction.atomic
def purchase_request_receive(
    *, request: PurchaseRequest, warehouse: Warehouse, quantity: int, user=None, batch_no: str = "",
    production_date: date | None = None, expiry_date: date | None = None,
) -> StockBatch:
    """Goods bought for a request arrive: a new batch, the request closes, and waiting
    orders (this one first if it has the highest priority) are allocated."""
    locked = PurchaseRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise InvalidInput(f"采购申请 {locked.number} 已{locked.get_state_display()}，不能再入库")
    publish(PurchaseRequestReceiving(request=locked))
    batch = stock_receive(
        product=locked.product, warehouse=warehouse, quantity=quantity, user=user, batch_no=batch_no,
        reason=f"采购申请 {locked.number} 到货", production_date=production_date, expiry_date=expiry_date,
    )
    locked.state = PurchaseRequest.State.RECEIVED
    locked.received_batch = batch
    locked.closed_at = timezone.now()
    locked.save(update_fields=["state", "received_batch", "closed_at"])
    return batch


@in_platform_language
@transaction.atomic
def purchase_request_cancel(*, request: PurchaseRequest, user, reason: str) -> PurchaseRequest:
    _check_purchase_permission(user)
    if not (reason or "").strip():
        raise InvalidInput("取消采购申请必须填写原因")
    locked = PurchaseRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise InvalidInput(f"采购申请 {locked.number} 已{locked.get_state_display()}")
    locked.state = PurchaseRequest.State.CANCELLED
    locked.closed_at = timezone.now()
    locked.note = f"{locked.note}；取消：{reason.strip()}" if locked.note else f"取消：{reason.strip()}"
    locked.save(update_fields=["state", "closed_at", "note"])
    return locked


def _check_purchase_permission(user) -> None:
    """``user`` None is the system (e.g. a data migration); people need the permission."""
    if user is not None and not user.has_perm("inventory.change_purchaserequest"):
        raise ActionForbidden("您的角色没有权限处理采购申请")
