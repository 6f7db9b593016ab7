"""Customer statements (对账单) sent by e-mail: who sent which period to whom, and when.

The statement itself is never stored: it is computed from the customer's account
(``orders.receivables.ledger_entries``) whenever it is shown, exported or sent.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StatementDispatch(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="statement_dispatches")
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    email = models.EmailField(_("收件邮箱"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    closing_balance = models.DecimalField(_("期末余额"), max_digits=16, decimal_places=2, null=True, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发送人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("对账单发送记录")
        verbose_name_plural = _("对账单发送记录")
        ordering = ["-requested_at", "-id"]
        permissions = [
            ("view_receivables", _("查看应收账龄、对账单和付款表现")),
            ("send_statement", _("发送对账单")),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.period_start}–{self.period_end} → {self.email}"
