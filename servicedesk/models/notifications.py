"""The staff notification centre: what each user is told, and how they want to be told."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..notice_kinds import KIND_CHOICES, Delivery


class StaffNotification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
                                  related_name="staff_notifications")
    kind = models.CharField(_("类型"), max_length=30, choices=KIND_CHOICES)
    text = models.CharField(_("内容"), max_length=300)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    # The same thing told twice (a redelivered event) is one row: the source names it.
    key = models.CharField(_("来源"), max_length=80, blank=True)
    delivery = models.CharField(_("方式"), max_length=10, choices=Delivery.choices, default=Delivery.PORTAL)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件汇总时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("员工通知")
        verbose_name_plural = _("员工通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""),
                                    name="staff_notification_once_per_source"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="staff_notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind}: {self.text}"


class NotificationPreference(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(_("类型"), max_length=30, choices=KIND_CHOICES)
    delivery = models.CharField(_("方式"), max_length=10, choices=Delivery.choices)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]
