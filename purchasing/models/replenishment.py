"""Replenishment (补货): the stock levels a 主管 keeps per product and warehouse, and the
proposals the daily job makes when projected stock falls below the reorder point."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReplenishmentRule(models.Model):
    """Reorder point / quantity, or a min/max: with ``max_stock`` set, a proposal fills up to
    it; otherwise it orders ``reorder_quantity`` (at least what brings stock back to the
    reorder point). An empty reorder point uses the suggestion: average daily demand of the
    last 8 weeks × the supplier's lead time + safety stock."""

    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.CASCADE,
                                related_name="replenishment_rules")
    warehouse = models.ForeignKey("inventory.Warehouse", verbose_name=_("仓库"), on_delete=models.CASCADE,
                                  related_name="replenishment_rules")
    safety_stock = models.PositiveIntegerField(_("安全库存"), default=0)
    reorder_point = models.PositiveIntegerField(_("再订货点"), null=True, blank=True,
                                                help_text=_("留空则按建议值（近8周日均需求 × 采购周期 + 安全库存）"))
    reorder_quantity = models.PositiveIntegerField(_("再订货量"), default=0)
    max_stock = models.PositiveIntegerField(_("最高库存"), null=True, blank=True,
                                            help_text=_("填写则补货到此数量（最低/最高法）"))

    class Meta:
        verbose_name = _("补货规则")
        verbose_name_plural = _("补货规则")
        ordering = ["product", "warehouse"]
        constraints = [models.UniqueConstraint(fields=["product", "warehouse"], name="replenishment_rule_once")]
        permissions = [("view_slow_moving_report", _("查看积压库存报表"))]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.warehouse}"


class ProposalKind(models.TextChoices):
    PURCHASE = "purchase", _("采购")
    TRANSFER = "transfer", _("调拨")


class ProposalState(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("已采纳")
    DISMISSED = "dismissed", _("已忽略")


class ReplenishmentProposal(models.Model):
    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey("inventory.Warehouse", verbose_name=_("补货仓库"), on_delete=models.CASCADE,
                                  related_name="+")
    kind = models.CharField(_("方式"), max_length=10, choices=ProposalKind.choices)
    source_warehouse = models.ForeignKey("inventory.Warehouse", verbose_name=_("调出仓库"), null=True, blank=True,
                                         on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("建议数量"))
    projected_stock = models.IntegerField(_("预计库存"))
    reorder_point = models.PositiveIntegerField(_("再订货点"))
    average_daily_demand = models.DecimalField(_("日均需求"), max_digits=10, decimal_places=2)
    lead_time_days = models.PositiveIntegerField(_("采购周期(天)"))
    state = models.CharField(_("状态"), max_length=10, choices=ProposalState.choices, default=ProposalState.OPEN)
    created_at = models.DateTimeField(_("建议时间"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    purchase_request = models.ForeignKey("inventory.PurchaseRequest", verbose_name=_("采购申请"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="+")
    transfer = models.ForeignKey("inventory.TransferOrder", verbose_name=_("调拨单"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("补货建议")
        verbose_name_plural = _("补货建议")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open proposal per product and warehouse: the daily job updates it instead.
            models.UniqueConstraint(fields=["product", "warehouse"], condition=Q(state="open"),
                                    name="one_open_proposal_per_product_warehouse"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.product.sku} × {self.quantity} → {self.warehouse}"
