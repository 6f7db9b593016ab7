"""Money received for an order and paid back."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..states import PaymentMethod
from .order import Order


class Payment(models.Model):
    """收款: money received for an order (bank transfer, 货到付款 collected at delivery…)."""

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("付款方式"), max_length=20, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    paid_at = models.DateTimeField(_("收款时间"), default=timezone.now)
    reference = models.CharField(_("流水号/凭证号"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收款记录")
        verbose_name_plural = _("收款记录")
        ordering = ["paid_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} +{self.amount}"


class Refund(models.Model):
    """退款: money paid back to the customer, with how it was computed."""

    class Source(models.TextChoices):
        CANCELLATION = "cancellation", _("取消订单")
        AFTER_SALES = "after_sales", _("售后")
        COMPENSATION = "compensation", _("赔偿")
        # Money paid back to settle a complaint (the service desk), not for goods returned.
        GOODWILL = "goodwill", _("投诉补偿")

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="refunds")
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    amount = models.DecimalField(_("退款金额"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    credit_amount = models.DecimalField(_("冲减应收"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    computation = models.TextField(_("计算说明"), blank=True)
    reason = models.CharField(_("原因"), max_length=300)
    case_number = models.CharField(_("售后单号"), max_length=30, blank=True)
    refunded_at = models.DateTimeField(_("退款时间"), default=timezone.now)
    reference = models.CharField(_("流水号"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("退款记录")
        verbose_name_plural = _("退款记录")
        ordering = ["refunded_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} -{self.amount}"
