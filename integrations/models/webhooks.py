"""Outgoing webhooks: subscriptions, the outbox of events and their deliveries, every attempt."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .clients import ApiClient


class WebhookSubscription(models.Model):
    """A URL of a client that is told of the event types it chose, for the orders it may see
    (its own channel's, or every order with the scope to read all). Signed with ``secret``
    (Standard Webhooks, ``whsec_…``), shown once when the subscription is made."""

    client = models.ForeignKey(ApiClient, verbose_name=_("客户端"), on_delete=models.CASCADE,
                               related_name="subscriptions")
    url = models.URLField(_("接收地址"), max_length=500)
    event_types = models.JSONField(_("事件类型"), default=list)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    # Failed attempts in a row (any delivery), since when; reset by the next success.
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    failing_since = models.DateTimeField(_("开始失败时间"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("自动停用时间"), null=True, blank=True)
    disabled_reason = models.CharField(_("停用原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")
        ordering = ["client", "id"]

    def __str__(self) -> str:
        return f"{self.client.name} → {self.url}"

    @property
    def was_disabled_for_failures(self) -> bool:
        return not self.is_active and self.disabled_at is not None


class WebhookEvent(models.Model):
    """One event as sent to subscribers: its id (the ``webhook-id`` header, the same on every
    attempt and replay, so receivers can drop duplicates) and the exact JSON body."""

    event_id = models.CharField(_("事件编号"), max_length=40, unique=True)
    event_type = models.CharField(_("事件类型"), max_length=40)
    order_number = models.CharField(_("订单号"), max_length=20, blank=True, db_index=True)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("发生时间"), default=timezone.now)

    class Meta:
        verbose_name = _("Webhook 事件")
        verbose_name_plural = _("Webhook 事件")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.event_type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("投递失败")


class WebhookDelivery(models.Model):
    """One event for one subscription: written in the transaction of the change, sent by
    Celery after commit and retried with growing waits. Deliveries of one order to one
    subscription go out in the order they were written (``id``): the next waits until the
    one before is delivered or given up."""

    event = models.ForeignKey(WebhookEvent, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, verbose_name=_("订阅"), on_delete=models.CASCADE,
                                     related_name="deliveries")
    order_number = models.CharField(_("订单号"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, default=timezone.now)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    replay_of = models.ForeignKey("self", verbose_name=_("重新投递自"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="replays")
    replayed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("重新投递人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["-id"]
        permissions = [("replay_webhookdelivery", _("重新投递 Webhook"))]
        indexes = [
            # The queue of one order to one subscription, and what is due.
            models.Index(fields=["subscription", "order_number", "status", "id"], name="webhook_queue_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.get_status_display()})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery, for the delivery log."""

    delivery = models.ForeignKey(WebhookDelivery, verbose_name=_("投递"), on_delete=models.CASCADE,
                                 related_name="attempt_log")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)

    class Meta:
        verbose_name = _("Webhook 投递尝试")
        verbose_name_plural = _("Webhook 投递尝试")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
