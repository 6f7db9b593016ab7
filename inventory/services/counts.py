"""盘点: every write to a stock count.

Each function runs in one transaction and locks the count row first. Starting a count
locks the batches it covers (primary-key order, like every stock change) to read their
quantities and the ledger's last movement id as one consistent snapshot. Posting, by a
主管, locks the same batches in the same order, so it can run while orders are being
allocated: for each batch, expected = snapshot + the movements since the snapshot, and
the variance (counted − expected) is written as one adjustment movement. A count below what
is allocated to orders is refused for the whole count: promised goods are never counted
away. ``user=None`` is the system and skips the role check.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from ordermgmt.domain_events import publish
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language

from inventory.domain_events import StockReceived
from inventory.models import Category, CountStatus, StockBatch, StockCount, StockCountLine, StockMovement, Warehouse

from inventory.selectors import line_needs_recount, movements_since_snapshot

from . import _lock_batches, _set_batch_counters
from .common import check_permission


@dataclass(frozen=True)
class CountScope:
    """Which batches of the warehouse a count covers: all, one category, or a product search."""

    warehouse: Warehouse
    category: Category | None = None
    product_query: str = ""

    def batches(self):
        rows = StockBatch.objects.filter(warehouse=self.warehouse, quantity_remaining__gt=0)
        if self.category is not None:
            rows = rows.filter(product__category=self.category)
        query = (self.product_query or "").strip()
        if query:
            rows = rows.filter(Q(product__search_key__contains=query.lower()) | Q(product__sku__icontains=query))
        return rows


def _locked_open_count(count: StockCount) -> StockCount:
    locked = StockCount.objects.select_for_update().select_related("warehouse").get(pk=count.pk)
    if not locked.is_open:
        raise InvalidTransition(f"盘点单 {locked.number} 已{locked.get_status_display()}，不能再修改")
    return locked


@in_platform_language
@transaction.atomic
def count_start(*, scope: CountScope, user, blind: bool = True, tolerance: int = 0, note: str = "") -> StockCount:
    """盘点开始: snapshot the quantity on hand of every batch in ``scope``."""
    check_permission(user, "inventory.add_stockcount", "发起盘点")
    if tolerance < 0:
        raise InvalidInput("复盘阈值不能为负数")
    batch_ids = set(scope.batches().values_list("pk", flat=True))
    if not batch_ids:
        raise InvalidInput(f"{scope.warehouse.name}在所选范围内没有库存批次，无需盘点")
    batches = _lock_batches(batch_ids=batch_ids)
    # Checked under the batch locks: a count started at the same moment has committed its lines.
    busy = (StockCountLine.objects.filter(batch_id__in=batch_ids, count__status=CountStatus.COUNTING)
            .select_related("count", "batch").first())
    if busy is not None:
        raise InvalidInput(f"批次 {busy.batch.batch_no} 正在盘点单 {busy.count.number} 中，请先过账或取消该盘点")
    count = StockCount.objects.create(
        warehouse=scope.warehouse, category=scope.category, product_query=(scope.product_query or "").strip(),
        blind=blind, tolerance=tolerance, note=(note or "").strip(), created_by=user,
        snapshot_movement_id=StockMovement.objects.aggregate(last=Max("pk"))["last"] or 0,
    )
    StockCountLine.objects.bulk_create([
        StockCountLine(count=count, batch=batch, snapshot_quantity=batch.quantity_remaining)
        for batch in sorted(batches, key=lambda b: (b.product_id, b.received_at, b.pk))
    ])
    return count


def _checked_quantities(values: dict, lines: dict[int, StockCountLine], what: str) -> list[str]:
    problems = []
    for line_id, quantity in values.items():
        if line_id not in lines:
            problems.append(f"明细 {line_id} 不属于本盘点单")
        elif not isinstance(quantity, int) or quantity < 0:
            problems.append(f"批次 {lines[line_id].batch.batch_no} 的{what}必须是不小于 0 的整数")
    return problems


@in_platform_language
@transaction.atomic
def count_record(*, count: StockCount, user, counted: dict[int, int], recounted: dict[int, int] | None = None) -> int:
    """Enter counted (``{line id: quantity}``) and recounted quantities; returns the number of
    lines changed. A recount replaces the first count for the variance."""
    check_permission(user, "inventory.change_stockcount", "录入盘点数量")
    locked = _locked_open_count(count)
    recounted = recounted or {}
    lines = {line.pk: line for line in locked.lines.select_related("batch")}
    problems = _checked_quantities(counted, lines, "盘点数量") + _checked_quantities(recounted, lines, "复盘数量")
    if problems:
        raise InvalidInput("；".join(problems))
    now, changed = timezone.now(), {}
    for field, values in (("counted_quantity", counted), ("recount_quantity", recounted)):
        for line_id, quantity in values.items():
            line = lines[line_id]
            if getattr(line, field) != quantity:
                setattr(line, field, quantity)
                line.counted_by, line.counted_at = user, now
                changed[line_id] = line
    StockCountLine.objects.bulk_update(changed.values(), ["counted_quantity", "recount_quantity", "counted_by",
                                                          "counted_at"])
    return len(changed)


def _posting_problems(locked: StockCount, lines: list[StockCountLine], batches: dict[int, StockBatch],
                      moved: dict[int, int]) -> list[str]:
    uncounted = [line for line in lines if line.final_quantity is None]
    if uncounted:
        return [f"还有 {len(uncounted)} 行未录入盘点数量（如 {uncounted[0].batch.batch_no}）"]
    problems = []
    for line in lines:
        batch = batches[line.batch_id]
        expected = line.snapshot_quantity + moved.get(line.batch_id, 0)
        if expected != batch.quantity_remaining:
            problems.append(f"批次 {batch.batch_no} 账面 {batch.quantity_remaining} 与流水 {expected} 不符，"
                            f"请先运行 stock_ledger_check 查明原因")
        elif line_needs_recount(line, expected, locked.tolerance):
            problems.append(f"批次 {batch.batch_no} 差异 {line.counted_quantity - expected:+d} 超过复盘阈值 "
                            f"{locked.tolerance}，请先复盘")
        elif line.final_quantity < batch.quantity_allocated:
            problems.append(f"批次 {batch.batch_no} 已有 {batch.quantity_allocated} 件分配给订单，盘点数量 "
                            f"{line.final_quantity} 不能少于已分配数量：请核实，或先释放这些订单的库存")
    return problems


def _adjust(locked: StockCount, lines: list[StockCountLine], batches: dict[int, StockBatch], user) -> None:
    """Every variance of the count: the batches' new quantities in one statement, one
    adjustment movement each."""
    adjusted = [(line, batches[line.batch_id]) for line in lines if line.variance]
    # remaining ≤ received stays true (see inventory.ledger): a count above what was ever
    # received raises the received quantity with it.
    _set_batch_counters([(batch.pk, line.final_quantity, max(batch.quantity_received, line.final_quantity))
                         for line, batch in adjusted], ("quantity_remaining", "quantity_received"))
    StockMovement.objects.bulk_create([
        StockMovement(batch=batch, kind=StockMovement.Kind.ADJUSTMENT, quantity=line.variance,
                      document=locked.number, reason=f"盘点 {locked.number} 过账", actor=user)
        for line, batch in adjusted
    ])


@in_platform_language
@transaction.atomic
def count_post(*, count: StockCount, user) -> StockCount:
    """过账 (主管): every batch's variance becomes one adjustment movement, all or nothing."""
    locked = StockCount.objects.select_for_update().select_related("warehouse").get(pk=count.pk)
    if not can_proceed(locked.post):
        raise InvalidTransition(f"盘点单 {locked.number} 已{locked.get_status_display()}，不能过账")
    if user is not None and not has_transition_perm(locked.post, user):
        raise ActionForbidden("盘点过账需要主管权限")
    lines = list(locked.lines.select_related("batch"))
    batches = {batch.pk: batch for batch in _lock_batches(batch_ids={line.batch_id for line in lines})}
    moved = movements_since_snapshot(locked)
    problems = _posting_problems(locked, lines, batches, moved)
    if problems:
        raise InvalidInput(f"盘点单 {locked.number} 不能过账：" + "；".join(problems))
    for line in lines:
        line.expected_at_posting = batches[line.batch_id].quantity_remaining
        line.variance = line.final_quantity - line.expected_at_posting
    _adjust(locked, lines, batches, user)
    found_more = {batches[line.batch_id].product_id for line in lines if line.variance > 0}
    StockCountLine.objects.bulk_update(lines, ["expected_at_posting", "variance"])
    locked.post()
    locked.posted_by = user
    locked.save()
    if found_more and not locked.warehouse.is_quarantine:
        publish(StockReceived(product_ids=tuple(sorted(found_more))))
    return locked


@in_platform_language
@transaction.atomic
def count_cancel(*, count: StockCount, user, reason: str) -> StockCount:
    """取消: the count is dropped; no stock changes."""
    if not (reason or "").strip():
        raise InvalidInput("取消盘点必须填写原因")
    locked = _locked_open_count(count)
    if user is not None and not has_transition_perm(locked.cancel, user):
        raise ActionForbidden("您的角色没有权限取消盘点")
    locked.cancel()
    locked.note = f"{locked.note}；取消：{reason.strip()}" if locked.note else f"取消：{reason.strip()}"
    locked.save()
    return locked

