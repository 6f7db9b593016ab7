"""Results of the automatic review."""


from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .order import Order


class CheckResult(models.TextChoices):
    PASS = "pass", _("通过")
    WARN = "warn", _("警告")
    BLOCK = "block", _("拦截")


class ReviewCheck(models.Model):
    """One named result of the automatic review of an order, with the figures behind it.

    The latest run replaces the previous results; the timeline keeps the history.
    """

    class Name(models.TextChoices):
        STOCK = "stock", _("库存")
        CREDIT = "credit", _("信用额度")
        OVERDUE = "overdue", _("逾期欠款")
        COMPLETENESS = "completeness", _("资料完整性")
        DUPLICATE = "duplicate", _("重复订单")
        PRICE = "price", _("价格")

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(_("检查项"), max_length=20, choices=Name.choices)
    result = models.CharField(_("结果"), max_length=10, choices=CheckResult.choices)
    message = models.TextField(_("说明"))
    figures = models.JSONField(_("数据"), default=dict, blank=True)
    needs_override = models.BooleanField(_("需主管放行"), default=False)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("放行人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    overridden_at = models.DateTimeField(_("放行时间"), null=True, blank=True)
    override_reason = models.CharField(_("放行原因"), max_length=300, blank=True)
    checked_at = models.DateTimeField(_("检查时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审核检查")
        verbose_name_plural = _("审核检查")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "name"], name="reviewcheck_one_per_name")]

    def __str__(self) -> str:
        return f"{self.get_name_display()}：{self.get_result_display()}"

    @property
    def is_blocking(self) -> bool:
        """Stops approval until fixed (block) or until a 主管 overrides it."""
        if self.overridden_at:
            return False
        return self.result == CheckResult.BLOCK or self.needs_override
