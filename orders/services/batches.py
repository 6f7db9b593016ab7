"""The automatic review and the stock allocation of many orders at once — and of one.

Every order is still reviewed, approved and allocated by the rules of one order
(``orders.review``, the state machine, FIFO), one after the other in queue order (highest
priority score first, then the oldest). What is shared is the work around them: one
transaction claims a chunk of orders, reads what every check needs with one query per
check for the whole chunk, locks the stock of every product involved once, decides order
after order in memory, and writes the results with a statement per kind of row (review
checks, orders, allocations, batch counters, purchase requests, timeline entries, customer
notices) before announcing the domain events (``publish_all``). A chunk of one order is
the single order's path (``order_auto_review``, ``order_try_allocate``).

Locks, always in this order: the orders, then the stock batches of their products by
primary key (``StockLedger.lock``), then their purchase requests — the order every other
stock change uses, so nothing deadlocks. Workers draining the same queue claim their
orders with ``SELECT … FOR UPDATE SKIP LOCKED``: two workers never get the same order and
never wait for each other's orders; an order skipped because someone else held it is
handed back to the caller (``BatchResult.skipped``) to be tried again.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from inventory.models import PurchaseRequest, StockAllocation
from inventory.services import StockLedger
from ordermgmt.bulk import bulk_insert
from ordermgmt.domain_events import publish_all
from ordermgmt.errors import ActionForbidden, InsufficientStock, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.queueing import enqueue
from ordermgmt.scoped_cache import cache_scope

from .. import review as rules
from ..domain_events import OrderApproved
from ..events import announcements, timeline_entry
from ..models import CheckResult, Order, OrderEvent, OrderLine, OrderStatus, OrderType, ReviewCheck
from ..workflow import ACTIONS
from .common import STAGE_TIMESTAMPS, check_permission

QUEUE_ORDER = ("-priority_score", "created_at", "id")
def chunk_size_setting() -> int:
    """Orders per transaction (``ORDER_BATCH_CHUNK_SIZE``, 250): big enough to share the reads,
    small enough to hold locks briefly."""
    return settings.ORDER_BATCH_CHUNK_SIZE

# 待审核 and not reviewed since it was entered, edited or resubmitted (the checks are
# deleted then): what the automatic review still has to look at.
AWAITING_REVIEW = Q(status=OrderStatus.PENDING_REVIEW) & ~Exists(ReviewCheck.objects.filter(order=OuterRef("pk")))
# 已审核 现货 orders waiting for goods (a receipt allocates them).
AWAITING_STOCK = Q(status=OrderStatus.APPROVED, order_type=OrderType.STOCK)

_ACTIVE_OR_SHIPPED = [StockAllocation.State.ACTIVE, StockAllocation.State.CONSUMED]


@dataclass
class AllocationOutcome:
    order: Order
    allocated: bool
    shortages: list = field(default_factory=list)
    purchase_requests: list[PurchaseRequest] = field(default_factory=list)


@dataclass
class BatchResult:
    orders: list[Order] = field(default_factory=list)  # as they ended, in the order they were handled
    skipped: list[int] = field(default_factory=list)  # held by another transaction: not handled


# --- claiming ---------------------------------------------------------------------------

def claim_orders(*, ids: Sequence[int] | None = None, condition: Q = Q(), limit: int | None = None,
                 skip_locked: bool = True) -> list[Order]:
    """Lock and load the orders to handle (``ids``, or the first ``limit`` of the queue),
    in queue order, with their customers and lines (each line knows how much of it is
    already allocated or shipped: ``covered``). ``skip_locked`` passes over orders another
    transaction holds; otherwise this waits for them. Call inside a transaction."""
    queryset = Order.objects.filter(condition)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    queryset = (
        queryset.select_for_update(skip_locked=skip_locked, of=("self",))
        .select_related("customer", "replaces_order")
        .annotate(
            has_checks=Exists(ReviewCheck.objects.filter(order=OuterRef("pk"))),
            has_open_requests=Exists(PurchaseRequest.objects.filter(order=OuterRef("pk"),
                                                                    state=PurchaseRequest.State.OPEN)),
        )
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product").annotate(
            covered=Coalesce(Sum("allocations__quantity", filter=Q(allocations__state__in=_ACTIVE_OR_SHIPPED)), 0),
        ).order_by("line_no")))
        .order_by(*QUEUE_ORDER)
    )
    return list(queryset[:limit] if limit else queryset)


def _in_queue_order(ids: Sequence[int], condition: Q) -> list[int]:
    return list(Order.objects.filter(condition, pk__in=list(ids)).order_by(*QUEUE_ORDER).values_list("pk", flat=True))


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- the review -------------------------------------------------------------------------

@in_platform_language
def orders_review_batch(*, order_ids: Sequence[int], user=None, chunk_size: int | None = None,
                        wait_for_locks: bool = False) -> BatchResult:
    """The automatic review of the orders among ``order_ids`` that still wait for it
    (``AWAITING_REVIEW``), highest priority first, ``chunk_size`` orders per transaction.
    An order reviewed already (a redelivered task, a second worker) is left alone; one held
    by another transaction is returned in ``skipped`` (or waited for: ``wait_for_locks``)."""
    result = BatchResult()
    chunk_size = chunk_size or chunk_size_setting()
    ids = list(dict.fromkeys(order_ids))
    if len(ids) > chunk_size:
        ids = _in_queue_order(ids, AWAITING_REVIEW)
    for chunk in _chunks(ids, chunk_size):
        with transaction.atomic(), cache_scope():
            claimed = claim_orders(ids=chunk, condition=AWAITING_REVIEW, skip_locked=not wait_for_locks)
            result.orders.extend(_Run(user=user).review(claimed))
        handled = {order.pk for order in claimed}
        result.skipped.extend(pk for pk in chunk if pk not in handled)
    if result.skipped:
        result.skipped = list(Order.objects.filter(AWAITING_REVIEW, pk__in=result.skipped).values_list("pk", flat=True))
    return result


@in_platform_language
def orders_review_backlog(*, limit: int | None = None, user=None) -> list[Order]:
    """Claim and review the next ``limit`` orders of the queue that wait for their automatic
    review, skipping those another worker holds; ``[]`` when none is left. Several workers
    call it side by side to drain a backlog."""
    with transaction.atomic(), cache_scope():
        claimed = claim_orders(condition=AWAITING_REVIEW, limit=limit or chunk_size_setting())
        return _Run(user=user).review(claimed)


@in_platform_language
@transaction.atomic
def order_auto_review(*, order: Order, user=None) -> Order:
    """Run every check, store the results, and approve the order when nothing holds it
    (then allocate its stock).

    Auto-approval needs: no block, no warning, amount within the manual-review threshold,
    and a 现货 order. Overrides a 主管 gave earlier stay valid until the order is edited.
    Running it again is safe; on an order that is no longer 待审核 it does nothing.
    """
    with cache_scope():
        claimed = claim_orders(ids=[order.pk], condition=Q(status=OrderStatus.PENDING_REVIEW), skip_locked=False)
        if not claimed:
            return Order.objects.get(pk=order.pk)
        if user is not None and not (user.has_perm("orders.review_order") or user.has_perm("orders.change_order")):
            raise ActionForbidden("您的角色没有权限重新运行自动审核")
        return _Run(user=user).review(claimed)[0]


# --- allocation -------------------------------------------------------------------------

@in_platform_language
def orders_allocate_waiting(*, product_ids, chunk_size: int | None = None) -> list[str]:
    """Allocate approved 现货 orders that wait for these products, highest priority first.

    Runs after a receipt commits, possibly at the same moment as the run of another receipt
    that wants some of the same orders, ``chunk_size`` orders per transaction. An order the
    other run holds is passed over (it allocates it); an order that is no longer waiting
    when its turn comes is passed over too. Returns the numbers of the orders allocated.
    Orders held by some other transaction (a clerk's edit) are tried again a moment later.
    """
    waiting = list(
        Order.objects.filter(AWAITING_STOCK, lines__product_id__in=list(product_ids))
        .order_by(*QUEUE_ORDER).values_list("pk", flat=True).distinct()
    )
    allocated, skipped = [], []
    for chunk in _chunks(waiting, chunk_size or chunk_size_setting()):
        with transaction.atomic(), cache_scope():
            claimed = claim_orders(ids=chunk, condition=AWAITING_STOCK)
            run = _Run(user=None)
            outcomes = run.allocate_all(claimed, reason="到货后自动分配")
            run.write()
        allocated.extend(outcome.order.number for outcome in outcomes if outcome.allocated)
        handled = {order.pk for order in claimed}
        skipped.extend(pk for pk in chunk if pk not in handled)
    still_waiting = list(Order.objects.filter(AWAITING_STOCK, pk__in=skipped).values_list("pk", flat=True)) if skipped else []
    if still_waiting:
        _retry_later("orders.tasks.allocate_orders_if_waiting", still_waiting)
    return allocated


def _retry_later(task_name: str, order_ids: list[int]) -> None:
    transaction.on_commit(lambda: enqueue(task_name, order_ids, countdown=5))


@in_platform_language
def orders_allocate_if_waiting(*, order_ids: Sequence[int]) -> list[str]:
    """Allocate those of these orders that still wait for stock (waiting for their locks)."""
    with transaction.atomic(), cache_scope():
        claimed = claim_orders(ids=order_ids, condition=AWAITING_STOCK, skip_locked=False)
        run = _Run(user=None)
        outcomes = run.allocate_all(claimed, reason="到货后自动分配")
        run.write()
    return [outcome.order.number for outcome in outcomes if outcome.allocated]


@in_platform_language
@transaction.atomic
def order_try_allocate(*, order: Order, user, reason: str = "") -> AllocationOutcome:
    """Lock stock for an approved order; on shortage, raise purchase requests instead.

    The order stays 已审核 with its shortage visible until stock arrives; receiving stock
    for the product allocates the waiting orders by priority (``orders_allocate_waiting``).
    """
    check_permission(user, "orders.allocate_order", "分配库存")
    with cache_scope():
        (locked,) = claim_orders(ids=[order.pk], skip_locked=False) or [Order.objects.get(pk=order.pk)]
        if locked.status != OrderStatus.APPROVED:
            raise InvalidTransition(
                f"订单 {locked.number} 当前状态为“{locked.get_status_display()}”，只有已审核的订单可以分配库存"
            )
        run = _Run(user=user)
        (outcome,) = run.allocate_all([locked], reason=reason)
        run.write()
        return outcome


# --- one transaction's worth of orders --------------------------------------------------

class _Run:
    """Orders decided one after the other in memory, then written together."""

    def __init__(self, *, user) -> None:
        self.user = user
        self.now = timezone.now()
        self.claimed: list[Order] = []
        self.saved_fields: dict[int, dict] = {}  # order pk → field → value to store
        self.checks: list[ReviewCheck] = []
        self.timeline: list[OrderEvent] = []
        self.announced: list = []  # OrderEvent (its announcements) or a domain event, in order
        self.ledger: StockLedger | None = None
        self.open_requests: dict[int, dict[int, PurchaseRequest]] | None = None
        self.new_requests: list[PurchaseRequest] = []
        self.raised_requests: list[PurchaseRequest] = []
        self.requests_to_cancel: list[int] = []
        self.shortage_notes: list[tuple[OrderEvent, list[PurchaseRequest], InsufficientStock]] = []

    # review ------------------------------------------------------------------------------

    def review(self, orders: list[Order]) -> list[Order]:
        if not orders:
            return []
        self.claimed = orders
        facts = rules.load_review_facts(orders, now=self.now)
        previous = self._previous_checks(orders)
        # Everything but the stock is checked before the stock is locked (other workers wait
        # for those locks only while this one decides and writes).
        checked = [rules.checks_but_stock(order, facts) for order in orders]
        self.ledger = StockLedger.lock(self._product_ids(orders))
        for order, others in zip(orders, checked):
            outcomes = rules.with_stock_check(others, rules.check_stock(order, self.ledger))
            self._review_one(order, outcomes, facts, previous.get(order.pk, {}))
        self.write()
        return orders

    def _previous_checks(self, orders: list[Order]) -> dict[int, dict[str, ReviewCheck]]:
        reviewed_before = [order.pk for order in orders if order.has_checks]
        previous: dict[int, dict[str, ReviewCheck]] = defaultdict(dict)
        if reviewed_before:
            for check in ReviewCheck.objects.filter(order_id__in=reviewed_before):
                previous[check.order_id][check.name] = check
        return previous

    def _review_one(self, order: Order, outcomes: list, facts: rules.ReviewFacts,
                    previous: dict[str, ReviewCheck]) -> None:
        blockers, warnings = [], []
        for outcome in outcomes:
            check = previous.get(outcome.name) or ReviewCheck(order=order, name=outcome.name)
            kept_override = check.overridden_at is not None and check.result == outcome.result
            check.result, check.message, check.figures = outcome.result, outcome.message, outcome.figures
            check.needs_override = outcome.needs_override
            check.checked_at = self.now
            if not kept_override:
                check.overridden_by, check.overridden_at, check.override_reason = None, None, ""
            self.checks.append(check)
            if check.is_blocking:
                blockers.append(outcome.name)
            if outcome.result == CheckResult.WARN and not check.overridden_at:
                warnings.append(outcome.name)
        manual_reason = rules.manual_review_reason(order, threshold=facts.manual_review_threshold)
        order.review_blockers = blockers
        order.awaiting_manager = any(name in rules.OVERRIDABLE for name in blockers)
        order.needs_manual_review = bool(manual_reason)
        self._save(order, "review_blockers", "awaiting_manager", "needs_manual_review")
        self._note(order, user=self.user, kind=OrderEvent.Kind.REVIEW if "credit" not in blockers else OrderEvent.Kind.HOLD,
                   action="auto_review", reason=review_summary(outcomes, blockers, warnings, manual_reason),
                   data={o.name: o.result for o in outcomes})
        if blockers or warnings or manual_reason:
            return
        self._fire(order, "approve", user=None, reason="自动审核全部通过")
        # Listeners act with the approval, in its transaction (production orders of a 定制 order).
        self.announced.append(OrderApproved(order=order, user=None))
        if not order.is_custom:
            self._allocate_one(order, user=None, reason="")

    # allocation --------------------------------------------------------------------------

    def allocate_all(self, orders: list[Order], *, reason: str) -> list[AllocationOutcome]:
        self.claimed = orders
        self.ledger = StockLedger.lock(self._product_ids(orders))
        return [self._allocate_one(order, user=self.user, reason=reason) for order in orders]

    def _allocate_one(self, order: Order, *, user, reason: str) -> AllocationOutcome:
        try:
            plan = self.ledger.allocate(rules.outstanding_quantities(order), self.ledger.route_for_order(order))
        except InsufficientStock as shortage:
            requests = [] if order.is_custom else self._raise_purchase_requests(order, shortage, user)
            return AllocationOutcome(order, False, shortage.shortages, requests)
        summary = [{"line": line.line_no, "batch": batch.batch_no, "quantity": take} for line, batch, take in plan]
        order.warehouse_note = plan.reason[:300]
        self._save(order, "warehouse_note")
        self._fire(order, "allocate", user=user, reason=reason, data={"allocations": summary, "warehouse": plan.reason})
        if order.has_open_requests:
            self.requests_to_cancel.append(order.pk)
        return AllocationOutcome(order, True)

    def _raise_purchase_requests(self, order: Order, shortage: InsufficientStock, user) -> list[PurchaseRequest]:
        """采购申请 for what is missing, one per product; an open one is raised instead
        (``inventory.services.purchase_requests_raise`` for one order)."""
        if self.open_requests is None:
            self.open_requests = self._load_open_requests()
        lines = {line.line_no: line for line in order.lines.all()}
        missing_by_product: dict[int, int] = defaultdict(int)
        for short in shortage.shortages:
            missing_by_product[lines[short.line_no].product_id] += short.missing
        open_for_order = self.open_requests.get(order.pk, {})
        created = []
        for product_id, missing in missing_by_product.items():
            existing = open_for_order.get(product_id)
            if existing is not None:
                if existing.state == PurchaseRequest.State.OPEN and existing.quantity < missing:
                    existing.quantity = missing
                    self.raised_requests.append(existing)
                continue
            created.append(PurchaseRequest(product_id=product_id, quantity=missing, order=order,
                                           is_urgent=order.is_urgent, note=f"订单 {order.number} 缺货", created_by=user))
        self.new_requests.extend(created)
        if created:
            note = self._note(order, user=user, kind=OrderEvent.Kind.STOCK, action="shortage")
            self.shortage_notes.append((note, created, shortage))  # its text names the requests once numbered
        return created

    def _load_open_requests(self) -> dict[int, dict[int, PurchaseRequest]]:
        by_order: dict[int, dict[int, PurchaseRequest]] = defaultdict(dict)
        for request in PurchaseRequest.objects.select_for_update().filter(
            order_id__in=[order.pk for order in self.claimed],
            state__in=[PurchaseRequest.State.OPEN, PurchaseRequest.State.ORDERED],
        ):
            by_order[request.order_id][request.product_id] = request
        return by_order

    # transitions and the timeline --------------------------------------------------------

    def _fire(self, order: Order, action: str, *, user, reason: str = "", data: dict | None = None) -> None:
        """One transition of the state machine, as ``common.fire_transition`` fires it."""
        spec = ACTIONS[action]
        method = getattr(order, action)
        if not can_proceed(method):
            raise InvalidTransition(f"订单 {order.number} 不能执行“{spec.label}”")
        if user is not None and not has_transition_perm(method, user):
            raise ActionForbidden(f"您的角色没有权限执行“{spec.label}”")
        from_status = order.status
        if spec.needs_reason:
            method(reason=reason)
        else:
            method()
        order.status_changed_at = self.now
        fields = ["status", "status_changed_at"]
        if order.status in STAGE_TIMESTAMPS:
            setattr(order, STAGE_TIMESTAMPS[order.status], self.now)
            fields.append(STAGE_TIMESTAMPS[order.status])
        self._save(order, *fields)
        self._note(order, user=user, action=action, from_status=from_status, to_status=order.status,
                   reason=reason, data=data)

    def _note(self, order: Order, **entry) -> OrderEvent:
        event = timeline_entry(order=order, at=self.now, **entry)
        self.timeline.append(event)
        self.announced.append(event)
        return event

    def _save(self, order: Order, *fields: str) -> None:
        stored = self.saved_fields.setdefault(order.pk, {"updated_at": self.now})
        for name in fields:
            stored[name] = getattr(order, name)

    @staticmethod
    def _product_ids(orders: list[Order]) -> set[int]:
        return {line.product_id for order in orders for line in order.lines.all()}

    # writing -----------------------------------------------------------------------------

    def write(self) -> None:
        """Store everything decided, a statement per kind of row, then announce it."""
        if self.new_requests:
            bulk_insert(self.new_requests)
        if self.raised_requests:
            PurchaseRequest.objects.bulk_update(self.raised_requests, ["quantity"])
        for note, requests, shortage in self.shortage_notes:
            note.reason = str(shortage) + "。已生成采购申请 " + "、".join(r.number for r in requests)
            note.data = {"shortages": [s.__dict__ for s in shortage.shortages], "purchase_requests": [r.pk for r in requests]}
        rechecked = [check for check in self.checks if check.pk is not None]  # an order reviewed again
        bulk_insert([check for check in self.checks if check.pk is None])
        if rechecked:
            ReviewCheck.objects.bulk_update(rechecked, ["result", "message", "figures", "needs_override", "checked_at",
                                                        "overridden_by", "overridden_at", "override_reason"])
        _update_in_groups(self.saved_fields)
        if self.ledger is not None:
            self.ledger.write()
        if self.requests_to_cancel:
            PurchaseRequest.objects.filter(order_id__in=self.requests_to_cancel, state=PurchaseRequest.State.OPEN).update(
                state=PurchaseRequest.State.CANCELLED, closed_at=self.now, note="订单已由现有库存满足"
            )
        bulk_insert(self.timeline)
        with cache_scope():  # the listeners read what cannot change meanwhile once (webhook subscribers)
            publish_all([announced for item in self.announced for announced in _announcements(item)])


def _announcements(item) -> list:
    return announcements(item) if isinstance(item, OrderEvent) else [item]


def _update_in_groups(saved_fields: dict[int, dict]) -> None:
    """Orders that end with the same values (most of a batch) share one UPDATE."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, fields in saved_fields.items():
        key = tuple(sorted((name, _hashable(value)) for name, value in fields.items()))
        groups[key].append(pk)
    for key, pks in groups.items():
        values = {name: list(value) if isinstance(value, tuple) else value for name, value in key}
        Order.objects.filter(pk__in=pks).update(**values)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


@in_platform_language
def review_summary(outcomes, blockers, warnings, manual_reason) -> str:
    labels = dict(ReviewCheck.Name.choices)
    parts = []
    if blockers:
        parts.append("拦截：" + "、".join(str(labels[n]) for n in blockers))
    if warnings:
        parts.append("警告：" + "、".join(str(labels[n]) for n in warnings if n not in blockers))
    if manual_reason:
        parts.append(manual_reason)
    if not parts:
        return "自动审核：全部检查通过"
    if "credit" in blockers:
        parts.insert(0, "信用额度不足，订单已冻结，等待主管放行")
    return "自动审核：" + "；".join(p for p in parts if not p.endswith("："))

