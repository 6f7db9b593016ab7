"""Payment platforms calling back: who they are (with the secret they sign with) and every
notification accepted, recorded as a payment or flagged for a 主管."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ADAPTER_CHOICES = [("generic", _("通用格式（HMAC-SHA256）"))]


class PaymentProvider(models.Model):
    """A payment platform (支付宝, 微信支付, an aggregator) whose notifications arrive at
    ``/api/v1/payments/notify/<code>/``, read by the adapter of its format."""

    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    adapter = models.CharField(_("报文格式"), max_length=20, choices=ADAPTER_CHOICES, default="generic")
    secret = models.CharField(_("签名密钥"), max_length=200, help_text=_("与支付平台约定的密钥，用于校验通知的签名"))
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("支付平台")
        verbose_name_plural = _("支付平台")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PaymentNotification(models.Model):
    """One transaction reported by a platform, accepted once (unique per platform and
    transaction id): recorded as a payment, or flagged for a 主管 when the money cannot be
    booked as it came (unknown order, more than is owed, another currency, order cancelled)."""

    class Outcome(models.TextChoices):
        RECORDED = "recorded", _("已入账")
        FLAGGED = "flagged", _("待主管处理")

    class Flag(models.TextChoices):
        UNKNOWN_ORDER = "unknown_order", _("找不到订单")
        OVERPAYMENT = "overpayment", _("超过应收余额")
        CURRENCY = "currency", _("币种不符")
        NOT_PAYABLE = "not_payable", _("订单不能收款")

    provider = models.ForeignKey(PaymentProvider, verbose_name=_("支付平台"), on_delete=models.PROTECT,
                                 related_name="notifications")
    transaction_id = models.CharField(_("支付流水号"), max_length=64)
    order_number = models.CharField(_("订单号"), max_length=40)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("币种"), max_length=3)
    paid_at = models.DateTimeField(_("支付时间"))
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices)
    flag = models.CharField(_("问题"), max_length=20, choices=Flag.choices, blank=True)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey("orders.Payment", verbose_name=_("收款记录"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolution = models.CharField(_("处理说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("支付通知")
        verbose_name_plural = _("支付通知")
        ordering = ["-received_at", "-id"]
        permissions = [("resolve_paymentnotification", _("处理待审支付通知"))]
        constraints = [
            models.UniqueConstraint(fields=["provider", "transaction_id"], name="paynotice_unique_transaction"),
        ]
        indexes = [models.Index(fields=["outcome", "resolved_at"], name="paynotice_review_idx")]

    def __str__(self) -> str:
        return f"{self.provider.code}:{self.transaction_id}"

    @property
    def awaits_review(self) -> bool:
        return self.outcome == self.Outcome.FLAGGED and self.resolved_at is None
