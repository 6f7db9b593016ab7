"""调拨: goods moved from one warehouse to another.

草稿 → 已出库 (the goods have left the source, taken FIFO from its free stock: 在途) →
已入库 (received at the destination, fully or with differences per line and a reason);
a draft may be 已取消. The transitions only guard and change the status; the services in
``inventory.services.transfers`` lock, move the stock, save and record one event.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from .fsm import RefreshesProtectedStatus
from . import Product, StockBatch, Warehouse


class TransferStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SHIPPED = "shipped", _("已出库")
    RECEIVED = "received", _("已入库")
    CANCELLED = "cancelled", _("已取消")


class TransferOrder(RefreshesProtectedStatus, models.Model):
    status = FSMField(_("状态"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.DRAFT,
                      protected=True)
    source = models.ForeignKey(Warehouse, verbose_name=_("调出仓库"), on_delete=models.PROTECT,
                               related_name="transfers_out")
    destination = models.ForeignKey(Warehouse, verbose_name=_("调入仓库"), on_delete=models.PROTECT,
                                    related_name="transfers_in")
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    shipped_at = models.DateTimeField(_("出库时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调拨单")
        verbose_name_plural = _("调拨单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "destination"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(source=models.F("destination")),
                                   name="transfer_between_two_warehouses"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"DB{self.pk:06d}" if self.pk else ""

    @property
    def in_transit(self) -> bool:
        return self.status == TransferStatus.SHIPPED

    # --- state machine: guards and field changes only; services do the rest ------

    @transition(field=status, source=TransferStatus.DRAFT, target=TransferStatus.SHIPPED,
                permission="inventory.change_transferorder")
    def ship(self) -> None:
        self.shipped_at = timezone.now()

    @transition(field=status, source=TransferStatus.SHIPPED, target=TransferStatus.RECEIVED,
                permission="inventory.change_transferorder")
    def receive(self) -> None:
        self.received_at = timezone.now()

    @transition(field=status, source=TransferStatus.DRAFT, target=TransferStatus.CANCELLED,
                permission="inventory.change_transferorder")
    def cancel(self) -> None:
        self.cancelled_at = timezone.now()


class TransferLine(models.Model):
    transfer = models.ForeignKey(TransferOrder, verbose_name=_("调拨单"), on_delete=models.CASCADE,
                                 related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("调拨数量"), validators=[MinValueValidator(1)])
    quantity_received = models.PositiveIntegerField(_("实收数量"), null=True, blank=True)
    difference_reason = models.CharField(_("差异原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("调拨明细")
        verbose_name_plural = _("调拨明细")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "product"], name="transfer_line_per_product"),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} × {self.quantity}"

    @property
    def difference(self) -> int | None:
        return None if self.quantity_received is None else self.quantity_received - self.quantity


class TransferItem(models.Model):
    """The quantity of one source batch a line carries, and the batch it became at the
    destination: FIFO, expiry and cost stay traceable across the move."""

    line = models.ForeignKey(TransferLine, verbose_name=_("调拨明细"), on_delete=models.CASCADE, related_name="items")
    source_batch = models.ForeignKey(StockBatch, verbose_name=_("调出批次"), on_delete=models.PROTECT,
                                     related_name="+")
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    quantity_received = models.PositiveIntegerField(_("实收数量"), null=True, blank=True)
    destination_batch = models.ForeignKey(StockBatch, verbose_name=_("调入批次"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("调拨批次")
        verbose_name_plural = _("调拨批次")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.source_batch} × {self.quantity}"


class TransferEvent(models.Model):
    """One entry of a transfer's history: who did what, when, and why."""

    transfer = models.ForeignKey(TransferOrder, verbose_name=_("调拨单"), on_delete=models.CASCADE,
                                 related_name="events")
    action = models.CharField(_("动作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=10, choices=TransferStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=TransferStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("调拨记录")
        verbose_name_plural = _("调拨记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.transfer} {self.action}"
