"""盘点: a count of one warehouse (all of it, or one category / a product search).

Starting a count takes a snapshot of every batch's quantity on hand (and the last ledger
movement id at that moment). Clerks enter what they count, in the portal or by Excel; a
line whose difference exceeds the count's tolerance must be counted again (复盘). A 主管
posts the count: for each batch, expected = snapshot + the movements since (shipments,
receipts, transfers while the count was open), variance = counted − expected, and one
adjustment movement per batch that differs, in one transaction.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from .fsm import RefreshesProtectedStatus
from . import Category, StockBatch, Warehouse


class CountStatus(models.TextChoices):
    COUNTING = "counting", _("盘点中")
    POSTED = "posted", _("已过账")
    CANCELLED = "cancelled", _("已取消")


class StockCount(RefreshesProtectedStatus, models.Model):
    status = FSMField(_("状态"), max_length=10, choices=CountStatus.choices, default=CountStatus.COUNTING,
                      protected=True)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="counts")
    category = models.ForeignKey(Category, verbose_name=_("类目"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    product_query = models.CharField(_("商品筛选"), max_length=60, blank=True)
    blind = models.BooleanField(_("盲盘"), default=True, help_text=_("盘点人看不到账面数量"))
    tolerance = models.PositiveIntegerField(_("复盘阈值"), default=0,
                                            help_text=_("差异超过此数量的行须复盘"))
    # The ledger as it was at the snapshot: movements with a larger id happened during the count.
    snapshot_movement_id = models.BigIntegerField(_("快照流水号"), default=0)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("过账人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    posted_at = models.DateTimeField(_("过账时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("盘点单")
        verbose_name_plural = _("盘点单")
        ordering = ["-created_at", "-id"]
        permissions = [("post_stockcount", _("盘点过账"))]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"PD{self.pk:06d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status == CountStatus.COUNTING

    @transition(field=status, source=CountStatus.COUNTING, target=CountStatus.POSTED,
                permission="inventory.post_stockcount")
    def post(self) -> None:
        self.posted_at = timezone.now()

    @transition(field=status, source=CountStatus.COUNTING, target=CountStatus.CANCELLED,
                permission="inventory.change_stockcount")
    def cancel(self) -> None:
        self.cancelled_at = timezone.now()


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, verbose_name=_("盘点单"), on_delete=models.CASCADE, related_name="lines")
    batch = models.ForeignKey(StockBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+")
    snapshot_quantity = models.PositiveIntegerField(_("快照数量"))
    counted_quantity = models.PositiveIntegerField(_("盘点数量"), null=True, blank=True)
    recount_quantity = models.PositiveIntegerField(_("复盘数量"), null=True, blank=True)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("盘点人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    counted_at = models.DateTimeField(_("录入时间"), null=True, blank=True)
    # Filled when the count is posted.
    expected_at_posting = models.IntegerField(_("过账时账面"), null=True, blank=True)
    variance = models.IntegerField(_("差异"), null=True, blank=True)

    class Meta:
        verbose_name = _("盘点明细")
        verbose_name_plural = _("盘点明细")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["count", "batch"], name="count_line_per_batch")]

    def __str__(self) -> str:
        return f"{self.count} {self.batch}"

    @property
    def final_quantity(self) -> int | None:
        """What the count says is there: the recount when there was one."""
        return self.recount_quantity if self.recount_quantity is not None else self.counted_quantity
