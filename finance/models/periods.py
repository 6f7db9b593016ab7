"""Closed accounting periods (结账): once a month is closed, no financial record dated in it
changes; a correction is a reversing entry dated in an open month."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClosedPeriod(models.Model):
    month = models.DateField(_("会计期间"), unique=True, help_text=_("该月的第一天"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("结账人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(_("结账时间"), default=timezone.now)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("已结账期间")
        verbose_name_plural = _("已结账期间")
        ordering = ["-month"]
        permissions = [("close_period", _("结账（关闭会计期间）"))]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
