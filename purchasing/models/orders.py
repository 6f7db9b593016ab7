"""Purchase orders (采购单): 待审批 → 已下单 → 部分到货 → 已到货 / 已取消, their lines, the
receipts against each line with the incoming quality check, and the returns to the
supplier of what failed it."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from .suppliers import Supplier


class PurchaseOrderStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("待审批")
    ORDERED = "ordered", _("已下单")
    PARTIALLY_RECEIVED = "partially_received", _("部分到货")
    RECEIVED = "received", _("已到货")
    CANCELLED = "cancelled", _("已取消")


# Goods still expected from the supplier (counted as 在途采购 by replenishment).
PURCHASE_ORDER_OPEN = [PurchaseOrderStatus.PENDING_APPROVAL, PurchaseOrderStatus.ORDERED,
                       PurchaseOrderStatus.PARTIALLY_RECEIVED]
RECEIVABLE = [PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.PARTIALLY_RECEIVED]


class PurchaseOrderSequence(models.Model):
    """Last serial of the day's purchase order numbers (``PO20261205-003``)."""

    day = models.DateField(unique=True)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("采购单号序列")
        verbose_name_plural = _("采购单号序列")


class PurchaseOrder(FSMModelMixin, models.Model):
    number = models.CharField(_("采购单号"), max_length=30, unique=True)
    supplier = models.ForeignKey(Supplier, verbose_name=_("供应商"), on_delete=models.PROTECT,
                                 related_name="purchase_orders")
    warehouse = models.ForeignKey("inventory.Warehouse", verbose_name=_("收货仓库"), on_delete=models.PROTECT,
                                  related_name="+")
    status = FSMField(_("状态"), max_length=20, choices=PurchaseOrderStatus.choices,
                      default=PurchaseOrderStatus.PENDING_APPROVAL, protected=True)
    expected_date = models.DateField(_("预计到货"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    total = models.DecimalField(_("采购金额(元)"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("制单时间"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    ordered_at = models.DateTimeField(_("下单时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完结时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("采购单")
        verbose_name_plural = _("采购单")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_purchaseorder", _("审批采购单")),
            ("receive_purchaseorder", _("采购到货验收")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in PURCHASE_ORDER_OPEN

    @property
    def is_receivable(self) -> bool:
        return self.status in RECEIVABLE

    @transition(field=status, source=PurchaseOrderStatus.PENDING_APPROVAL, target=PurchaseOrderStatus.ORDERED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=RECEIVABLE, target=PurchaseOrderStatus.PARTIALLY_RECEIVED)
    def receive_part(self) -> None:
        pass

    @transition(field=status, source=RECEIVABLE, target=PurchaseOrderStatus.RECEIVED)
    def receive_all(self) -> None:
        pass

    @transition(field=status, source=[PurchaseOrderStatus.PENDING_APPROVAL, PurchaseOrderStatus.ORDERED],
                target=PurchaseOrderStatus.CANCELLED)
    def cancel(self) -> None:
        pass


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, verbose_name=_("采购单"), on_delete=models.CASCADE,
                                       related_name="lines")
    line_no = models.PositiveIntegerField(_("行号"))
    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("采购数量"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("单价(元)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    # Counted at receipt: accepted goods went to stock, rejected ones to the quarantine warehouse.
    quantity_accepted = models.PositiveIntegerField(_("合格入库"), default=0)
    quantity_rejected = models.PositiveIntegerField(_("不合格"), default=0)
    # The purchase requests this line buys for (closed as 已到货 when it is received).
    requests = models.ManyToManyField("inventory.PurchaseRequest", verbose_name=_("采购申请"), blank=True,
                                      related_name="purchase_order_lines")

    class Meta:
        verbose_name = _("采购单行")
        verbose_name_plural = _("采购单行")
        ordering = ["purchase_order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "line_no"], name="purchase_line_no_once"),
            # The database refuses an over-receipt even if a service forgot the lock.
            models.CheckConstraint(condition=models.Q(quantity_accepted__lte=models.F("quantity")),
                                   name="purchase_line_accepted_within_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order} #{self.line_no} {self.product.sku} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def quantity_outstanding(self) -> int:
        """Still to come: rejected goods are replaced by the supplier, so only accepted ones count."""
        return self.quantity - self.quantity_accepted


class PurchaseReceipt(models.Model):
    """One arrival against one line, with the incoming quality check (来料检验)."""

    line = models.ForeignKey(PurchaseOrderLine, verbose_name=_("采购单行"), on_delete=models.PROTECT,
                             related_name="receipts")
    quantity_accepted = models.PositiveIntegerField(_("合格数量"), default=0)
    quantity_rejected = models.PositiveIntegerField(_("不合格数量"), default=0)
    qc_note = models.CharField(_("检验记录"), max_length=300, blank=True)
    batch = models.ForeignKey("inventory.StockBatch", verbose_name=_("入库批次"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    quarantine_batch = models.ForeignKey("inventory.StockBatch", verbose_name=_("隔离批次"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收货人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(_("收货时间"), default=timezone.now)

    class Meta:
        verbose_name = _("采购收货")
        verbose_name_plural = _("采购收货")
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.line} 合格 {self.quantity_accepted} 不合格 {self.quantity_rejected}"


class SupplierReturnStatus(models.TextChoices):
    PENDING = "pending", _("待退货")
    RETURNED = "returned", _("已退货")


class SupplierReturn(models.Model):
    """退供应商: goods that failed the incoming check wait in the quarantine warehouse until
    they are sent back."""

    receipt = models.OneToOneField(PurchaseReceipt, verbose_name=_("收货记录"), on_delete=models.PROTECT,
                                   related_name="supplier_return")
    supplier = models.ForeignKey(Supplier, verbose_name=_("供应商"), on_delete=models.PROTECT, related_name="returns")
    quantity = models.PositiveIntegerField(_("退货数量"), validators=[MinValueValidator(1)])
    reason = models.CharField(_("不合格原因"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=SupplierReturnStatus.choices,
                              default=SupplierReturnStatus.PENDING)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    returned_at = models.DateTimeField(_("退货时间"), null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("退供应商")
        verbose_name_plural = _("退供应商")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.supplier} {self.receipt.line.product.sku} × {self.quantity}"
