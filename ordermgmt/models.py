from axes.models import AccessAttempt
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .history import signed_in_user


class PolicyValue(models.Model):
    """Current value of one business policy (declared in ``ordermgmt.policies``)."""

    key = models.CharField(_("规则"), max_length=60, unique=True)
    value = models.CharField(_("值"), max_length=60)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(get_user=signed_in_user)

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


class CalendarYear(models.Model):
    """One year's 放假安排 as the State Council publishes it, entered by a 主管 in the portal.

    A year is known to the working-day calendar when the chinese-calendar package covers it
    or its arrangement here is confirmed complete (``confirmed_at``). Working days in any
    other year are counted Monday to Friday, and the 主管's dashboard says so.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    notice = models.CharField(_("依据（通知文号）"), max_length=100, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("年度放假安排")
        verbose_name_plural = _("年度放假安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class CalendarDay(models.Model):
    """A day whose status differs from the default calendar: a public holiday (休息) or an
    adjusted working weekend day (调休上班), as part of one year's arrangement. Used beyond
    the years that the chinese-calendar package covers, and to correct it.

    The arrangement of a year may reach into the neighbouring one (元旦 off from 30
    December, a 调休 Saturday at the end of December): the day belongs to the year whose
    notice announced it (``calendar_year``), not necessarily to ``day.year``."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日（休息）")
        WORKDAY = "workday", _("调休上班")

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("放假安排年份"), on_delete=models.PROTECT, related_name="days"
    )
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


class CalendarChange(models.Model):
    """Who changed a year's 放假安排, when, and how each day changed."""

    class Action(models.TextChoices):
        SAVE = "save", _("录入/修改假期")
        REMOVE = "remove", _("删除假期")
        UPLOAD = "upload", _("导入全年安排")
        CONFIRM = "confirm", _("确认全年安排")

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("放假安排年份"), on_delete=models.CASCADE, related_name="changes"
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    summary = models.CharField(_("说明"), max_length=300)
    # One entry per changed day: {"day": "2027-02-06", "before": "holiday:春节" or "", "after": …}
    details = models.JSONField(_("逐日变化"), default=list, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("放假安排修改记录")
        verbose_name_plural = _("放假安排修改记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.calendar_year} {self.get_action_display()}: {self.summary}"


class EventDelivery(models.Model):
    """One after-commit listener's work for one domain event (see ``ordermgmt.domain_events``),
    written in the transaction that published the event, so that it can't be lost."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    event = models.CharField(_("事件"), max_length=60)
    listener = models.CharField(_("处理程序"), max_length=200)
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("发生时间"), default=timezone.now)
    # Pending: not before this time (retry back-off). Running: the claim expires then, after
    # which a crashed worker's delivery is handed out again.
    next_attempt_at = models.DateTimeField(_("下次处理时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件投递")
        verbose_name_plural = _("事件投递")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="eventdelivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.listener} ({self.get_status_display()})"


class RoleChange(models.Model):
    """A role (auth group) given to or taken from a user: who did it and when. Written by
    ``ordermgmt.role_history`` whenever a user's groups change, from the admin or code."""

    class Action(models.TextChoices):
        ADDED = "added", _("授予")
        REMOVED = "removed", _("撤销")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="role_changes")
    role = models.CharField(_("角色"), max_length=150)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("角色变更记录")
        verbose_name_plural = _("角色变更记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display()} {self.role}"
