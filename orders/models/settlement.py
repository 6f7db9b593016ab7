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
    # The account the money came from (a bank statement's 对方账号), when known: a refund to
    # any other account needs 财务's approval.
    payer_account = models.CharField(_("付款账号"), max_length=40, blank=True)
    # A payment booked against the wrong order is reversed (冲销), never deleted.
    reversed_at = models.DateTimeField(_("冲销时间"), null=True, blank=True)
    reversal_reason = models.CharField(_("冲销原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("收款记录")
        verbose_name_plural = _("收款记录")
        ordering = ["paid_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} +{self.amount}"


class RefundStatus(models.TextChoices):
    PAID = "paid", _("已退款")
    AWAITING_APPROVAL = "awaiting_approval", _("待财务审批")
    DECLINED = "declined", _("财务未批准")


class PayoutMethod(models.TextChoices):
    """How the money of a refund goes back."""

    ORIGINAL = "original", _("原路退回")
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    CASH = "cash", _("现金")
    # Kept for the customer's next orders (客户余额) instead of being sent.
    CUSTOMER_CREDIT = "customer_credit", _("转入客户余额")


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
    # Refund approval (issue 20): above the policy amount, or to another account than the
    # customer paid from, the money waits for 财务 (not the requester) before it counts.
    status = models.CharField(_("状态"), max_length=20, choices=RefundStatus.choices, default=RefundStatus.PAID)
    payout_method = models.CharField(_("退款方式"), max_length=20, choices=PayoutMethod.choices, default=PayoutMethod.ORIGINAL)
    payout_account = models.CharField(_("退款收款账号"), max_length=40, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("退款记录")
        verbose_name_plural = _("退款记录")
        ordering = ["refunded_at", "id"]
        permissions = [("approve_refund", _("审批退款"))]

    def __str__(self) -> str:
        return f"{self.order_id} -{self.amount}"


class CustomerCredit(models.Model):
    """客户余额 (预收款/贷项): money of the customer held by the business — an over-payment,
    a compensation credited toward the next order — and its use. One signed row per change;
    the balance is their sum."""

    class Kind(models.TextChoices):
        OVERPAYMENT = "overpayment", _("多付款转余额")
        REFUND_TO_CREDIT = "refund_to_credit", _("退款转余额")
        APPLIED = "applied", _("抵扣订单")
        PAID_OUT = "paid_out", _("余额退回")
        REVERSAL = "reversal", _("冲销")

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="credit_entries")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, help_text=_("增加为正，使用为负"))
    order = models.ForeignKey(Order, verbose_name=_("订单"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="credit_entries")
    reference = models.CharField(_("凭证"), max_length=100, blank=True)
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("客户余额流水")
        verbose_name_plural = _("客户余额流水")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.amount:+}"


class OpeningReceivable(models.Model):
    """期初应收: what a customer owed when the business moved in from its spreadsheets,
    entered once; payments matched to it lower ``settled_amount``. The credit and overdue
    checks count what is still open."""

    customer = models.OneToOneField("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                    related_name="opening_receivable")
    amount = models.DecimalField(_("期初应收"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])
    settled_amount = models.DecimalField(_("已收回"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    as_of = models.DateField(_("期初日期"))
    due_date = models.DateField(_("到期日"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("期初应收")
        verbose_name_plural = _("期初应收")
        ordering = ["customer_id"]

    def __str__(self) -> str:
        return f"{self.customer} {self.outstanding}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.settled_amount
