"""调拨: every write to a transfer order.

Each function runs in one transaction, locks the transfer row, fires the django-fsm
transition (which only guards and changes the status), moves the stock, saves and records
one ``TransferEvent``. Shipping locks the source batches in primary-key order — the order
every stock change uses (``inventory.services``) — and takes only free stock (on hand −
allocated), oldest first, so a transfer and an allocation racing for one batch can never
oversell it. Receiving creates batches at the destination that keep the source batch's
received date and lot attributes (``lot_attributes``), so FIFO and expiry stay true, and
announces ``StockReceived`` so orders waiting at the destination are allocated after commit.
``user=None`` is the system (a replenishment proposal) and skips the role check.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from ordermgmt.domain_events import publish
from ordermgmt.errors import ActionForbidden, InsufficientStock, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language

from inventory.domain_events import StockReceived
from inventory.models import (
    Product,
    StockBatch,
    StockMovement,
    TransferEvent,
    TransferItem,
    TransferLine,
    TransferOrder,
    TransferStatus,
    Warehouse,
)
from inventory.numbering import next_batch_no

from . import _lock_batches
from .common import check_permission

# What a batch carries from one warehouse to the next besides its quantity. A new lot
# attribute of ``StockBatch`` is added here once and every transfer keeps it.
LOT_ATTRIBUTES = ("received_at", "production_date", "expiry_date", "unit_cost")

_ACTION_LABELS = {"create": "创建", "ship": "出库", "receive": "入库", "cancel": "取消"}


def lot_attributes(batch: StockBatch) -> dict:
    """The source batch's lot attributes, for the batch a transfer creates from it."""
    return {name: getattr(batch, name) for name in LOT_ATTRIBUTES}


def _record(*, transfer: TransferOrder, user, action: str, from_status: str = "", note: str = "",
            data: dict | None = None) -> TransferEvent:
    return TransferEvent.objects.create(transfer=transfer, action=action, from_status=from_status,
                                        to_status=transfer.status, actor=user, note=note, data=data or {})


def _merged_lines(lines) -> dict[Product, int]:
    merged: dict[Product, int] = defaultdict(int)
    for product, quantity in lines:
        if not isinstance(quantity, int) or quantity <= 0:
            raise InvalidInput(f"商品 {product.sku} 的调拨数量必须是正整数")
        merged[product] += quantity
    if not merged:
        raise InvalidInput("调拨单至少需要一行商品")
    return merged


@in_platform_language
@transaction.atomic
def transfer_create(*, source: Warehouse, destination: Warehouse, lines: list[tuple[Product, int]], user,
                    note: str = "") -> TransferOrder:
    """A 草稿 transfer of ``[(product, quantity), …]`` (a product named twice is one line)."""
    check_permission(user, "inventory.add_transferorder", "创建调拨单")
    if source.pk == destination.pk:
        raise InvalidInput("调出仓库和调入仓库不能相同")
    if not destination.is_active:
        raise InvalidInput(f"调入仓库 {destination.name} 已停用")
    merged = _merged_lines(lines)
    transfer = TransferOrder.objects.create(source=source, destination=destination, note=(note or "").strip(),
                                            created_by=user)
    TransferLine.objects.bulk_create(
        [TransferLine(transfer=transfer, product=product, quantity=quantity) for product, quantity in merged.items()]
    )
    _record(transfer=transfer, user=user, action="create", note=transfer.note)
    return transfer


def _locked_transfer(transfer: TransferOrder, action: str, user) -> TransferOrder:
    locked = TransferOrder.objects.select_for_update().select_related("source", "destination").get(pk=transfer.pk)
    method = getattr(locked, action)
    label = _ACTION_LABELS[action]
    if not can_proceed(method):
        raise InvalidTransition(f"调拨单 {locked.number} 当前为“{locked.get_status_display()}”，不能{label}")
    if user is not None and not has_transition_perm(method, user):
        raise ActionForbidden(f"您的角色没有权限对调拨单执行“{label}”")
    return locked


def _source_fifo(transfer: TransferOrder, product_ids: set[int]) -> dict[int, list[StockBatch]]:
    """The source warehouse's batches of these products, locked (primary-key order), oldest first."""
    candidates = StockBatch.objects.filter(warehouse=transfer.source, product_id__in=product_ids,
                                           quantity_remaining__gt=0).values_list("pk", flat=True)
    fifo: dict[int, list[StockBatch]] = defaultdict(list)
    for batch in sorted(_lock_batches(batch_ids=set(candidates)), key=lambda b: (b.received_at, b.pk)):
        fifo[batch.product_id].append(batch)
    return fifo


def _plan_shipment(transfer: TransferOrder, lines: list[TransferLine]) -> list[tuple[TransferLine, StockBatch, int]]:
    """FIFO over the free stock (never what is allocated to orders); all lines or nothing."""
    fifo = _source_fifo(transfer, {line.product_id for line in lines})
    plan, shortages = [], []
    for line in lines:
        remaining = line.quantity
        for batch in fifo.get(line.product_id, ()):
            take = min(batch.quantity_available, remaining)
            if take > 0:
                plan.append((line, batch, take))
                remaining -= take
            if remaining == 0:
                break
        if remaining:
            shortages.append(f"{line.product.sku} {line.product.name}：需要 {line.quantity}，"
                             f"可用 {line.quantity - remaining}")
    if shortages:
        raise InsufficientStock(f"{transfer.source.name}可用库存不足（已分配给订单的库存不能调拨）：" + "；".join(shortages),
                                code="insufficient_stock")
    return plan


@in_platform_language
@transaction.atomic
def transfer_ship(*, transfer: TransferOrder, user) -> TransferOrder:
    """出库: the goods leave the source warehouse and are 在途 until received."""
    locked = _locked_transfer(transfer, "ship", user)
    lines = list(locked.lines.select_related("product"))
    plan = _plan_shipment(locked, lines)
    for line, batch, take in plan:
        StockBatch.objects.filter(pk=batch.pk).update(quantity_remaining=F("quantity_remaining") - take)
        TransferItem.objects.create(line=line, source_batch=batch, quantity=take)
    StockMovement.objects.bulk_create([
        StockMovement(batch=batch, kind=StockMovement.Kind.TRANSFER_OUT, quantity=-take, document=locked.number,
                      reason=f"调拨至{locked.destination.name}", actor=user)
        for line, batch, take in plan
    ])
    from_status = locked.status
    locked.ship()
    locked.save()
    _record(transfer=locked, user=user, action="ship", from_status=from_status,
            data={"batches": [[batch.batch_no, take] for _line, batch, take in plan]})
    return locked


def _received_per_line(lines: list[TransferLine], received: dict | None, reasons: dict | None) -> dict:
    received, reasons = received or {}, reasons or {}
    result, problems = {}, []
    for line in lines:
        quantity = received.get(line.pk, line.quantity)
        reason = (reasons.get(line.pk) or "").strip()
        if not isinstance(quantity, int) or not 0 <= quantity <= line.quantity:
            problems.append(f"{line.product.sku} 实收数量须在 0 到 {line.quantity} 之间")
        elif quantity != line.quantity and not reason:
            problems.append(f"{line.product.sku} 实收 {quantity}，与调拨数量 {line.quantity} 不符，请填写差异原因")
        result[line] = (quantity, reason)
    if problems:
        raise InvalidInput("；".join(problems))
    return result


def _receive_item(transfer: TransferOrder, item: TransferItem, quantity: int, user) -> None:
    source = item.source_batch
    batch = StockBatch.objects.create(
        batch_no=next_batch_no(source.product, timezone.now()), warehouse=transfer.destination,
        product_id=source.product_id, quantity_received=quantity, quantity_remaining=quantity,
        **lot_attributes(source),
    )
    StockMovement.objects.create(batch=batch, kind=StockMovement.Kind.TRANSFER_IN, quantity=quantity,
                                 document=transfer.number, reason=f"调拨自{transfer.source.name}（批次 {source.batch_no}）",
                                 actor=user)
    item.quantity_received, item.destination_batch = quantity, batch
    item.save(update_fields=["quantity_received", "destination_batch"])


@in_platform_language
@transaction.atomic
def transfer_receive(*, transfer: TransferOrder, user, received: dict[int, int] | None = None,
                     reasons: dict[int, str] | None = None) -> TransferOrder:
    """入库 at the destination. ``received`` is ``{line id: quantity}`` (a line not named
    arrived in full); a line short of its quantity needs a reason in ``reasons``. The
    oldest source batches are received first; what is missing is recorded on the line."""
    locked = _locked_transfer(transfer, "receive", user)
    lines = list(locked.lines.select_related("product").prefetch_related("items__source_batch__product"))
    per_line = _received_per_line(lines, received, reasons)
    arrived_products = set()
    for line, (quantity, reason) in per_line.items():
        remaining = quantity
        for item in sorted(line.items.all(), key=lambda i: (i.source_batch.received_at, i.source_batch_id)):
            take = min(item.quantity, remaining)
            if take:
                _receive_item(locked, item, take, user)
                arrived_products.add(line.product_id)
            else:
                item.quantity_received = 0
                item.save(update_fields=["quantity_received"])
            remaining -= take
        line.quantity_received, line.difference_reason = quantity, reason
        line.save(update_fields=["quantity_received", "difference_reason"])
    from_status = locked.status
    locked.receive()
    locked.save()
    differences = {line.product.sku: [q - line.quantity, r] for line, (q, r) in per_line.items() if q != line.quantity}
    _record(transfer=locked, user=user, action="receive", from_status=from_status, data={"differences": differences})
    if arrived_products and not locked.destination.is_quarantine:
        publish(StockReceived(product_ids=tuple(sorted(arrived_products))))
    return locked


@in_platform_language
@transaction.atomic
def transfer_cancel(*, transfer: TransferOrder, user, reason: str) -> TransferOrder:
    """取消 a draft (nothing has moved yet)."""
    if not (reason or "").strip():
        raise InvalidInput("取消调拨单必须填写原因")
    locked = _locked_transfer(transfer, "cancel", user)
    from_status = locked.status
    locked.cancel()
    locked.save()
    _record(transfer=locked, user=user, action="cancel", from_status=from_status, note=reason.strip())
    return locked
