"""After-sales cases. A placeholder in this release: a case is opened (for example by an
abnormal receipt at delivery) and kept with its photos; the after-sales issue builds the
case's state machine and handling on top of this model."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    DAMAGED = "damaged", _("破损")
    WRONG_ITEM = "wrong_item", _("错发")
    MISSING_ITEMS = "missing_items", _("少件")


class AfterSalesCase(models.Model):
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="after_sales_cases"
    )
    case_type = models.CharField(_("类型"), max_length=20, choices=CaseType.choices)
    description = models.TextField(_("问题描述"))
    source = models.CharField(_("来源"), max_length=40, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("售后工单")
        verbose_name_plural = _("售后工单")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"售后#{self.pk} {self.order.number} {self.get_case_type_display()}"


class AfterSalesPhoto(models.Model):
    """A photo of the case; the file is private (served through a permission-checked view)."""

    case = models.ForeignKey(AfterSalesCase, verbose_name=_("售后工单"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小(字节)"))
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("售后照片")
        verbose_name_plural = _("售后照片")
        ordering = ["id"]
