"""Purchase orders: raised by hand or from purchase requests, approved by a 主管 above the
policy amount (below it they go straight to 已下单), cancelled."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from inventory.models import Product, PurchaseRequest, Warehouse
from inventory.services import purchase_request_mark_ordered
from inventory.services.purchase_requests import purchase_request_reopen
from ordermgmt.daily_serials import take_daily_serials
from ordermgmt.domain_events import publish
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.policies import get_policy

from ..domain_events import PurchaseOrderAwaitingApproval
from ..models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderSequence, PurchaseOrderStatus, Supplier, SupplierProduct
from ..policies import PURCHASE_APPROVAL_AMOUNT
from .suppliers import supplier_check_orderable


@dataclass(frozen=True)
class PurchaseLineInput:
    product: Product
    quantity: int
    unit_price: Decimal
    requests: tuple[PurchaseRequest, ...] = field(default=())


def _next_number(today: date) -> str:
    (serial,) = take_daily_serials(PurchaseOrderSequence, today)
    return f"PO{today:%Y%m%d}-{serial:03d}"


def _check_lines(lines: list[PurchaseLineInput]) -> None:
    if not lines:
        raise InvalidInput("采购单至少要有一行商品")
    for number, line in enumerate(lines, start=1):
        if line.quantity is None or line.quantity <= 0:
            raise InvalidInput(f"第{number}行 {line.product.sku}：采购数量必须是正整数")
        if line.unit_price is None or line.unit_price < 0:
            raise InvalidInput(f"第{number}行 {line.product.sku}：单价不能为负数")


def _lock_open_requests(requests) -> list[PurchaseRequest]:
    ids = sorted({r.pk for r in requests})
    locked = list(PurchaseRequest.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for request in locked:
        if request.state != PurchaseRequest.State.OPEN:
            raise InvalidInput(f"采购申请 {request.number} 当前为“{request.get_state_display()}”，不能再下采购单")
    return locked


@in_platform_language
@transaction.atomic
def purchase_order_create(*, user, supplier: Supplier, warehouse: Warehouse, lines: list[PurchaseLineInput],
                          expected_date: date | None = None, note: str = "") -> PurchaseOrder:
    """采购单: 待审批 when its amount is above the policy (a 主管 is told), else 已下单 at once.

    The purchase requests named on the lines must be 待采购; they become 已下单 with the
    expected date when the purchase order is placed."""
    if user is not None and not user.has_perm("purchasing.add_purchaseorder"):
        raise ActionForbidden("您的角色没有权限下采购单")
    supplier = Supplier.objects.get(pk=supplier.pk)
    supplier_check_orderable(supplier)
    if warehouse.is_quarantine or not warehouse.is_active:
        raise InvalidInput(f"仓库“{warehouse.name}”不能作为收货仓库（隔离仓或已停用）")
    _check_lines(lines)
    _lock_open_requests([r for line in lines for r in line.requests])
    today = timezone.localdate()
    purchase_order = PurchaseOrder.objects.create(
        number=_next_number(today), supplier=supplier, warehouse=warehouse, expected_date=expected_date,
        note=(note or "").strip()[:300], created_by=user,
        total=sum((line.unit_price * line.quantity for line in lines), Decimal("0.00")),
    )
    for line_no, line in enumerate(lines, start=1):
        row = PurchaseOrderLine.objects.create(purchase_order=purchase_order, line_no=line_no, product=line.product,
                                               quantity=line.quantity, unit_price=line.unit_price)
        if line.requests:
            row.requests.set(line.requests)
    if purchase_order.total > get_policy(PURCHASE_APPROVAL_AMOUNT):
        publish(PurchaseOrderAwaitingApproval(purchase_order=purchase_order))
    else:
        purchase_order.approve()  # below the approval amount: placed at once
        _place(purchase_order, user)
    return purchase_order


def _place(purchase_order: PurchaseOrder, user) -> None:
    """已下单: the requests it buys for are marked ordered, with the expected date."""
    purchase_order.ordered_at = timezone.now()
    purchase_order.save(update_fields=["status", "ordered_at", "approved_by"])
    for request in PurchaseRequest.objects.filter(purchase_order_lines__purchase_order=purchase_order).distinct():
        purchase_request_mark_ordered(request=request, user=None, note=f"采购单 {purchase_order.number}",
                                      expected_date=purchase_order.expected_date)


@transaction.atomic
def purchase_order_from_requests(*, user, requests: list[PurchaseRequest], supplier: Supplier,
                                 warehouse: Warehouse, expected_date: date | None = None,
                                 note: str = "") -> PurchaseOrder:
    """One purchase order for several purchase requests: one line per product with the sum of
    their quantities, at the supplier's registered price."""
    if not requests:
        raise InvalidInput("请选择要下单的采购申请")
    locked = _lock_open_requests(requests)
    by_product: dict[int, list[PurchaseRequest]] = defaultdict(list)
    for request in locked:
        by_product[request.product_id].append(request)
    prices = {offer.product_id: offer.price
              for offer in SupplierProduct.objects.filter(supplier=supplier, product_id__in=list(by_product))}
    missing = [group[0].product.sku for pid, group in by_product.items() if pid not in prices]
    if missing:
        raise InvalidInput(f"供应商“{supplier.name}”没有登记这些商品的采购价：{'、'.join(missing)}。"
                           "请先在供应商资料里添加供货商品，或手工建采购单")
    lines = [
        PurchaseLineInput(product=group[0].product, quantity=sum(r.quantity for r in group),
                          unit_price=prices[pid], requests=tuple(group))
        for pid, group in sorted(by_product.items(), key=lambda item: item[1][0].product.sku)
    ]
    return purchase_order_create(user=user, supplier=supplier, warehouse=warehouse, lines=lines,
                                 expected_date=expected_date, note=note)


def lock_purchase_order(purchase_order: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().select_related("supplier", "warehouse").get(pk=purchase_order.pk)


@in_platform_language
@transaction.atomic
def purchase_order_approve(*, purchase_order: PurchaseOrder, user) -> PurchaseOrder:
    """主管 approval of a purchase order above the policy amount, by another person than the
    one who drew it up: it is placed. The supplier is checked again (its qualification may have expired while the order waited)."""
    if user is None or not user.has_perm("purchasing.approve_purchaseorder"):
        raise ActionForbidden("只有主管可以审批采购单")
    locked = lock_purchase_order(purchase_order)
    if locked.status != PurchaseOrderStatus.PENDING_APPROVAL:
        raise InvalidTransition(f"采购单 {locked.number} 当前为“{locked.get_status_display()}”，不需要审批")
    if locked.created_by_id == user.pk:
        # Four eyes, as for refunds: the approval is a second person's check of the amount.
        raise ActionForbidden(f"采购单 {locked.number} 由您制单，需由另一位主管审批")
    supplier_check_orderable(locked.supplier)
    locked.approve()
    locked.approved_by = user
    _place(locked, user)
    return locked


@in_platform_language
@transaction.atomic
def purchase_order_cancel(*, purchase_order: PurchaseOrder, user, reason: str) -> PurchaseOrder:
    """已取消 before any goods arrived; its purchase requests are 待采购 again."""
    if user is not None and not user.has_perm("purchasing.change_purchaseorder"):
        raise ActionForbidden("您的角色没有权限取消采购单")
    if not (reason or "").strip():
        raise InvalidInput("取消采购单必须填写原因")
    locked = lock_purchase_order(purchase_order)
    if locked.status not in (PurchaseOrderStatus.PENDING_APPROVAL, PurchaseOrderStatus.ORDERED):
        raise InvalidTransition(f"采购单 {locked.number} 当前为“{locked.get_status_display()}”，不能取消")
    locked.cancel()
    locked.cancel_reason, locked.closed_at = reason.strip()[:200], timezone.now()
    locked.save(update_fields=["status", "cancel_reason", "closed_at"])
    for request in PurchaseRequest.objects.filter(purchase_order_lines__purchase_order=locked).distinct():
        purchase_request_reopen(request=request, note=f"采购单 {locked.number} 已取消")
    return locked
