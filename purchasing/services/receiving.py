"""Receipt against a purchase order line with the incoming quality check (来料检验).

Locks: the purchase order row, then the line row (``select_for_update``), always in that
order, so two clerks receiving the same line queue and the second sees what the first
received: a line can never be over-received (the database also refuses it, see the check
constraint on ``PurchaseOrderLine``). Stock rows are then written by inventory's services.
"""

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import PurchaseRequest, StockBatch, Warehouse
from inventory.services import stock_adjust, stock_receive
from inventory.services.purchase_requests import purchase_request_mark_received
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language

from ..models import PurchaseOrderLine, PurchaseReceipt, SupplierReturn, SupplierReturnStatus
from .purchase_orders import lock_purchase_order


def _quarantine_warehouse() -> Warehouse:
    warehouse = Warehouse.objects.filter(is_quarantine=True, is_active=True).order_by("code").first()
    if warehouse is None:
        raise InvalidInput("没有启用的隔离仓，不合格品无处存放：请先在仓库资料里设置一个隔离仓")
    return warehouse


def _check_quantities(line: PurchaseOrderLine, accepted: int, rejected: int, qc_note: str) -> None:
    if accepted < 0 or rejected < 0 or accepted + rejected == 0:
        raise InvalidInput("请填写本次到货的合格数量和/或不合格数量（正整数）")
    if accepted + rejected > line.quantity_outstanding:
        raise InvalidInput(
            f"第{line.line_no}行 {line.product.sku} 还差 {line.quantity_outstanding} 件到货，"
            f"本次登记 {accepted + rejected} 件超出采购数量：请核对，多出的请退回供应商"
        )
    if rejected and not (qc_note or "").strip():
        raise InvalidInput("有不合格品时必须填写检验记录（不合格原因）")


def _set_lot(batch: StockBatch, *, unit_cost, production_date, expiry_date) -> None:
    """The PO price per base unit is the batch's cost; lot dates as the label says."""
    batch.unit_cost, batch.production_date, batch.expiry_date = unit_cost, production_date, expiry_date
    batch.save(update_fields=["unit_cost", "production_date", "expiry_date"])


@in_platform_language
@transaction.atomic
def purchase_order_receive_line(*, line: PurchaseOrderLine, user, accepted: int, rejected: int = 0,
                                qc_note: str = "", batch_no: str = "", production_date: date | None = None,
                                expiry_date: date | None = None) -> PurchaseReceipt:
    """到货验收 of one line: 合格 goods become a batch in the order's warehouse at the order's
    price (waiting orders are allocated after commit, ``StockReceived``); 不合格 goods go to
    the quarantine warehouse with a 退供应商 record. The purchase order becomes 部分到货 or
    已到货, and the purchase requests the line fully covers become 已到货."""
    if user is not None and not user.has_perm("purchasing.receive_purchaseorder"):
        raise ActionForbidden("您的角色没有权限做采购到货验收")
    purchase_order = lock_purchase_order(line.purchase_order)
    if not purchase_order.is_receivable:
        raise InvalidTransition(f"采购单 {purchase_order.number} 当前为“{purchase_order.get_status_display()}”，不能收货")
    locked = PurchaseOrderLine.objects.select_for_update().select_related("product").get(pk=line.pk)
    _check_quantities(locked, accepted, rejected, qc_note)
    reason = f"采购单 {purchase_order.number} 第{locked.line_no}行到货"
    receipt = PurchaseReceipt(line=locked, quantity_accepted=accepted, quantity_rejected=rejected,
                              qc_note=(qc_note or "").strip()[:300], received_by=user)
    if accepted:
        receipt.batch = stock_receive(product=locked.product, warehouse=purchase_order.warehouse, quantity=accepted,
                                      user=user, batch_no=batch_no, reason=reason)
        _set_lot(receipt.batch, unit_cost=locked.unit_price, production_date=production_date, expiry_date=expiry_date)
    if rejected:
        receipt.quarantine_batch = stock_receive(
            product=locked.product, warehouse=_quarantine_warehouse(), quantity=rejected, user=user,
            reason=f"{reason}，来料检验不合格：{receipt.qc_note}"[:200], notify=False,
        )
        _set_lot(receipt.quarantine_batch, unit_cost=locked.unit_price, production_date=production_date,
                 expiry_date=expiry_date)
    receipt.save()
    if rejected:
        SupplierReturn.objects.create(receipt=receipt, supplier=purchase_order.supplier, quantity=rejected,
                                      reason=receipt.qc_note)
    PurchaseOrderLine.objects.filter(pk=locked.pk).update(
        quantity_accepted=F("quantity_accepted") + accepted, quantity_rejected=F("quantity_rejected") + rejected
    )
    locked.refresh_from_db(fields=["quantity_accepted", "quantity_rejected"])
    _close_covered_requests(locked, receipt.batch)
    _advance(purchase_order)
    return receipt


def _close_covered_requests(line: PurchaseOrderLine, batch: StockBatch | None) -> None:
    """The line's requests, 加急 and oldest first, as far as the accepted goods cover them."""
    covered = 0
    for request in line.requests.order_by("-is_urgent", "created_at", "id"):
        covered += request.quantity
        if covered > line.quantity_accepted:
            break
        if request.state == PurchaseRequest.State.ORDERED:
            purchase_request_mark_received(request=request, batch=batch)


def _advance(purchase_order) -> None:
    if purchase_order.lines.filter(quantity_accepted__lt=F("quantity")).exists():
        if purchase_order.status != "partially_received":
            purchase_order.receive_part()
            purchase_order.save(update_fields=["status"])
        return
    purchase_order.receive_all()
    purchase_order.closed_at = timezone.now()
    purchase_order.save(update_fields=["status", "closed_at"])


@transaction.atomic
def supplier_return_ship(*, supplier_return: SupplierReturn, user) -> SupplierReturn:
    """退货出库: the rejected goods leave the quarantine warehouse back to the supplier."""
    if user is not None and not user.has_perm("purchasing.change_supplierreturn"):
        raise ActionForbidden("您的角色没有权限办理退供应商")
    locked = SupplierReturn.objects.select_for_update().select_related("receipt").get(pk=supplier_return.pk)
    if locked.status != SupplierReturnStatus.PENDING:
        raise InvalidInput("该退货已办理")
    batch = StockBatch.objects.get(pk=locked.receipt.quarantine_batch_id)
    if batch.quantity_remaining < locked.quantity:
        raise InvalidInput(f"隔离批次 {batch.batch_no} 只剩 {batch.quantity_remaining} 件，少于退货数量 {locked.quantity}")
    stock_adjust(batch=batch, counted_quantity=batch.quantity_remaining - locked.quantity, user=user,
                 reason=f"退供应商 {locked.supplier.name}：{locked.reason}"[:200])
    locked.status, locked.returned_at, locked.returned_by = SupplierReturnStatus.RETURNED, timezone.now(), user
    locked.save(update_fields=["status", "returned_at", "returned_by"])
    return locked
