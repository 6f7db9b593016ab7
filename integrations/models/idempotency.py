"""Idempotency keys: the first answer to a client's request, kept so that a retry with the
same key gets it again instead of doing the work twice."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordermgmt.encryption import EncryptedTextField

from .clients import ApiClient


class IdempotencyKey(models.Model):
    """Claimed by inserting the row (unique per client and key) before the work starts, and
    completed in the work's own transaction. ``lock_token`` says which request holds a running
    key: a request that lost its key (taken over after it hung) cannot complete it."""

    class Status(models.TextChoices):
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")

    client = models.ForeignKey(ApiClient, verbose_name=_("客户端"), on_delete=models.CASCADE,
                               related_name="idempotency_keys")
    key = models.CharField(_("幂等键"), max_length=200)
    fingerprint = models.CharField(_("请求摘要"), max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    lock_token = models.UUIDField(default=uuid.uuid4)
    locked_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The exact bytes sent the first time (a JSON document), so that a replay is identical;
    # encrypted at rest (an order's answer carries its receiver's name, phone and address).
    response_body = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_unique_key_per_client")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"
