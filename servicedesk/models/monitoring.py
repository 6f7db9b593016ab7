"""Stage monitoring: an order past the dwell-time threshold of the stage it stands at."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.states import OrderStatus


class StageFlag(models.Model):
    """One flag per order and stage while it is open; cleared when the order moves on (or no
    longer qualifies), kept as history."""

    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), on_delete=models.CASCADE,
                              related_name="stage_flags")
    stage = models.CharField(_("环节"), max_length=20, choices=OrderStatus.choices)
    since = models.DateTimeField(_("开始等待"))
    detail = models.CharField(_("说明"), max_length=300)
    flagged_at = models.DateTimeField(_("标记时间"), default=timezone.now)
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("超时订单")
        verbose_name_plural = _("超时订单")
        ordering = ["since", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "stage"], condition=Q(cleared_at__isnull=True),
                                    name="stage_flag_one_open_per_order_stage"),
        ]
        indexes = [models.Index(fields=["cleared_at", "stage", "since"], name="stage_flag_open_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_stage_display()}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
