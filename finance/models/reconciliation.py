"""Bank statements, their lines and the matches of a line to what it pays (an order, the
opening receivable, the customer's credit, a carrier's COD remittance)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .accounts import SettlementAccount


class BankStatement(models.Model):
    account = models.ForeignKey(SettlementAccount, verbose_name=_("结算账户"), on_delete=models.PROTECT,
                                related_name="statements")
    file_name = models.CharField(_("文件名"), max_length=200)
    layout = models.CharField(_("格式"), max_length=20)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    # Rows that could not be read, each {"row": n, "message": "..."}: shown, never dropped silently.
    problems = models.JSONField(_("未导入的行"), default=list, blank=True)

    class Meta:
        verbose_name = _("银行对账单")
        verbose_name_plural = _("银行对账单")
        ordering = ["-imported_at", "-id"]
        permissions = [("import_bankstatement", _("导入银行对账单")), ("reconcile_payments", _("核销收款"))]

    def __str__(self) -> str:
        return self.file_name


class LineStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("未匹配")
    AMBIGUOUS = "ambiguous", _("待确认")
    PARTIAL = "partial", _("部分核销")
    MATCHED = "matched", _("已核销")
    IGNORED = "ignored", _("非货款")


class StatementLine(models.Model):
    """One incoming transaction of a statement (outgoing ones only become account flows)."""

    statement = models.ForeignKey(BankStatement, verbose_name=_("对账单"), on_delete=models.CASCADE,
                                  related_name="lines")
    row_number = models.PositiveIntegerField(_("行号"))
    transaction_date = models.DateField(_("交易日期"))
    payer_name = models.CharField(_("对方户名"), max_length=200, blank=True)
    payer_account = models.CharField(_("对方账号"), max_length=40, blank=True)
    amount = models.DecimalField(_("收入金额"), max_digits=14, decimal_places=2)
    reference = models.CharField(_("摘要/附言"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=LineStatus.choices, default=LineStatus.UNMATCHED)
    matched_amount = models.DecimalField(_("已核销"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    carrier = models.ForeignKey("fulfillment.Carrier", verbose_name=_("承运商"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    # Why the automatic matching stopped, and the orders it could not choose between.
    note = models.CharField(_("说明"), max_length=300, blank=True)
    candidates = models.JSONField(_("候选订单"), default=list, blank=True)

    class Meta:
        verbose_name = _("对账单明细")
        verbose_name_plural = _("对账单明细")
        ordering = ["statement_id", "row_number"]
        constraints = [models.UniqueConstraint(fields=["statement", "row_number"], name="statement_line_row_unique")]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.statement_id}#{self.row_number} ¥{self.amount}"

    @property
    def open_amount(self) -> Decimal:
        return self.amount - self.matched_amount


class PaymentMatch(models.Model):
    """What (part of) a statement line pays. Reversed with a reason, never deleted; the
    reversal undoes what the match booked (the payment, the credit, the remittance)."""

    class Kind(models.TextChoices):
        ORDER = "order", _("订单收款")
        OPENING = "opening", _("期初应收")
        CREDIT = "credit", _("多付转客户余额")
        COD = "cod", _("代收货款回款")

    class How(models.TextChoices):
        ORDER_NUMBER = "order_number", _("附言中的订单号")
        PAYER_ACCOUNT = "payer_account", _("付款账号")
        AMOUNT = "amount", _("金额")
        CARRIER = "carrier", _("承运商回款")
        MANUAL = "manual", _("人工")

    line = models.ForeignKey(StatementLine, verbose_name=_("对账单明细"), on_delete=models.PROTECT,
                             related_name="matches")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    how = models.CharField(_("匹配方式"), max_length=15, choices=How.choices)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    carrier = models.ForeignKey("fulfillment.Carrier", verbose_name=_("承运商"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField("orders.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="bank_match")
    credit = models.OneToOneField("orders.CustomerCredit", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    matched_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核销人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    matched_at = models.DateTimeField(_("核销时间"), auto_now_add=True)
    reversed_at = models.DateTimeField(_("冲销时间"), null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("冲销人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reversal_reason = models.CharField(_("冲销原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("收款核销")
        verbose_name_plural = _("收款核销")
        ordering = ["line_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount}"

    @property
    def is_active(self) -> bool:
        return self.reversed_at is None
