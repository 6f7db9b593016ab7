"""One run of the retention job (orders.services.retention): when, by whom (or the monthly
job), with which cut-offs, and how many records of each kind were anonymised — the counts
only, never the data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionRun(models.Model):
    ran_at = models.DateTimeField(_("执行时间"), auto_now_add=True)
    ran_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("执行人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    orders_archived_before = models.DateTimeField(_("订单归档早于"))
    customers_inactive_since = models.DateTimeField(_("客户最后下单早于"))
    orders = models.PositiveIntegerField(_("匿名化订单数"), default=0)
    customers = models.PositiveIntegerField(_("匿名化客户数"), default=0)
    counts = models.JSONField(_("各部分记录数"), default=dict)

    class Meta:
        verbose_name = _("个人信息保存期限执行记录")
        verbose_name_plural = _("个人信息保存期限执行记录")
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} {self.orders}/{self.customers}"
