from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Report(models.Model):
    """A report for one period, computed once and stored (viewing never recomputes it).

    One row per period: running it again for the same period replaces the figures.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"), help_text=_("含当天"))
    is_monthly = models.BooleanField(_("月报"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报表")
        verbose_name_plural = _("报表")
        ordering = ["-period_start", "-period_end"]
        constraints = [models.UniqueConstraint(fields=["period_start", "period_end"], name="report_one_per_period")]
        permissions = [("view_dashboard", _("查看经营看板")),
                       # Cost and gross margin (issue 20): finance and the 主管 only.
                       ("view_margin", _("查看成本与毛利"))]

    def __str__(self) -> str:
        if self.is_monthly:
            return f"{self.period_start:%Y年%m月} 订单分析月报"
        return f"{self.period_start} 至 {self.period_end} 订单分析报表"

    @property
    def title(self) -> str:
        return str(self)
