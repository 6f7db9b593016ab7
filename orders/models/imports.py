"""Order numbers and Excel import jobs."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordermgmt.encryption import EncryptedJSONField


class DailyOrderSequence(models.Model):
    """Last serial handed out per calendar day (Asia/Shanghai) for order numbers."""

    day = models.DateField(primary_key=True)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("订单号序列")
        verbose_name_plural = _("订单号序列")


class ImportJob(models.Model):
    """One Excel batch import of orders: the uploaded file, who sent it, and what came of it.

    Kept for good (import history), whatever the outcome, so that a clerk can always see
    which file produced which orders and download the error report of a refused file.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        READY = "ready", _("待确认")
        INVALID = "invalid", _("有错误")
        IMPORTING = "importing", _("导入中")
        IMPORTED = "imported", _("已导入")
        FAILED = "failed", _("失败")
        DISCARDED = "discarded", _("已放弃")

    class Source(models.TextChoices):
        WEB = "web", _("网页上传")
        COMMAND = "command", _("命令行")

    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("文件名"), max_length=255)
    file_size = models.PositiveIntegerField(_("文件大小(字节)"), default=0)
    sha256 = models.CharField(_("文件指纹"), max_length=64, blank=True, db_index=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="order_imports",
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    validated_at = models.DateTimeField(_("校验完成时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("导入完成时间"), null=True, blank=True)

    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    order_count = models.PositiveIntegerField(_("订单数"), default=0)
    line_count = models.PositiveIntegerField(_("明细行数"), default=0)
    new_customer_count = models.PositiveIntegerField(_("新客户数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    warning_count = models.PositiveIntegerField(_("提示数"), default=0)
    total_amount = models.DecimalField(_("价税合计"), max_digits=16, decimal_places=2, default=Decimal("0.00"))
    created_order_count = models.PositiveIntegerField(_("已创建订单数"), default=0)

    message = models.TextField(_("结果说明"), blank=True)
    # Every problem found: {"row", "column", "value", "message", "hint", "level"}.
    # The rows as read (names, phones, addresses) and the values typed: encrypted at rest.
    problems = EncryptedJSONField(_("问题清单"), default=list, blank=True)
    # The first orders of the file as they will be created, for the preview.
    preview = EncryptedJSONField(_("预览"), default=list, blank=True)
    # Keys of the warnings the user confirmed; a warning that appears only at import
    # time (someone entered the same order meanwhile) has to be confirmed again.
    accepted_warnings = models.JSONField(_("已确认的提示"), default=list, blank=True)
    created_orders = models.JSONField(_("已创建的订单号"), default=list, blank=True)
    task_id = models.CharField(max_length=50, blank=True, editable=False)

    class Meta:
        verbose_name = _("订单导入")
        verbose_name_plural = _("订单导入记录")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("import_orders", _("批量导入订单")),
            ("export_orders", _("导出订单")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.VALIDATING, self.Status.IMPORTING}

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p.get("level") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p.get("level") == "warning"]

    @property
    def notices(self) -> list[dict]:
        return [p for p in self.problems if p.get("level") == "info"]
