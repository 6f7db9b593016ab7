from axes.models import AccessAttempt
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyValue(models.Model):
    """Current value of one business policy (declared in ``ordermgmt.policies``)."""

    key = models.CharField(_("规则"), max_length=60, unique=True)
    value = models.CharField(_("值"), max_length=60)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("业务规则")
        verbose_name_plural = _("业务规则")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class PolicyChange(models.Model):
    key = models.CharField(_("规则"), max_length=60, db_index=True)
    old_value = models.CharField(_("原值"), max_length=60)
    new_value = models.CharField(_("新值"), max_length=60)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("业务规则变更记录")
        verbose_name_plural = _("业务规则变更记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.key}: {self.old_value} → {self.new_value}"


class CalendarDay(models.Model):
    """A day whose status differs from the default calendar: a public holiday (休息) or an
    adjusted working weekend day (调休上班). Used beyond the years that the
    chinese-calendar package covers, and to correct it."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日（休息）")
        WORKDAY = "workday", _("调休上班")

    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} {self.name}"


class LoginLockout(AccessAttempt):
    """django-axes' failed-login counter for one username from one address, shown in the
    admin in Chinese; a 主管 unlocks an account by deleting its rows (action 解除锁定)."""

    class Meta:
        proxy = True
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
        ordering = ["-attempt_time"]

    @property
    def is_locked(self) -> bool:
        return self.failures_since_start >= settings.AXES_FAILURE_LIMIT
