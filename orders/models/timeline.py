"""The order's timeline."""


from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..states import OrderStatus
from ..workflow import ACTIONS
from .order import Order


class OrderEvent(models.Model):
    """One entry of the order's timeline: who did what, when, from which state to which, and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建")
        STATUS = "status", _("状态变更")
        EDITED = "edited", _("修改")
        NOTE = "note", _("备注")
        REVIEW = "review", _("自动审核")
        HOLD = "hold", _("冻结/放行")
        STOCK = "stock", _("库存")

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.STATUS)
    action = models.CharField(_("动作"), max_length=40, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=OrderStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    reason = models.TextField(_("原因/说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("订单事件")
        verbose_name_plural = _("订单事件")
        ordering = ["created_at", "id"]
        indexes = [
            # Reports: orders that were ever rejected / went to after-sales / had an exception.
            models.Index(fields=["action", "order"], name="event_action_order_idx"),
            models.Index(fields=["to_status", "order"], name="event_to_status_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action} {self.from_status}→{self.to_status}"

    @property
    def action_label(self) -> str:
        spec = ACTIONS.get(self.action)
        return spec.label if spec else self.action
