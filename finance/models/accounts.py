"""Settlement accounts (结算账户): where money arrives and leaves — each bank account, the
cash box, each 支付宝/微信 merchant account — with its opening balance and its flows."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SettlementAccount(models.Model):
    class Kind(models.TextChoices):
        BANK = "bank", _("银行账户")
        CASH = "cash", _("现金")
        ALIPAY = "alipay", _("支付宝")
        WECHAT = "wechat", _("微信支付")

    name = models.CharField(_("账户名称"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    account_number = models.CharField(_("账号"), max_length=40, blank=True)
    # The platform whose payment notifications (issue 11) arrive in this merchant account.
    payment_provider = models.OneToOneField("integrations.PaymentProvider", verbose_name=_("支付平台"), null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="settlement_account")
    opening_balance = models.DecimalField(_("期初余额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    opening_date = models.DateField(_("期初日期"), default=timezone.localdate)
    # The account's own code in the ledger (e.g. 100201 银行存款-工行基本户); blank: the code
    # mapped for its kind (银行存款, 库存现金, 其他货币资金).
    ledger_code = models.CharField(_("会计科目代码"), max_length=30, blank=True)
    ledger_name = models.CharField(_("会计科目名称"), max_length=60, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结算账户")
        verbose_name_plural = _("结算账户")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class AccountFlow(models.Model):
    """One movement of money in a settlement account: + in, − out. Written from a bank
    statement line, a payment platform's notification, a refund sent, or by a clerk (a bank
    fee paid in cash, a transfer between own accounts).

    Money that pays no order carries a ``purpose`` (what it is, booked against that account in
    the vouchers); an order's money is booked by its payment or refund and has none. A flow
    entered by mistake is reversed by a counter flow (``reversal_of``), never deleted."""

    class Source(models.TextChoices):
        STATEMENT = "statement", _("银行流水")
        PLATFORM = "platform", _("支付平台通知")
        REFUND = "refund", _("退款")
        MANUAL = "manual", _("手工登记")

    class Purpose(models.TextChoices):
        BANK_FEE = "bank_fee", _("银行手续费")
        INTEREST = "interest", _("利息收入")
        TRANSFER = "transfer", _("内部转账")
        CARRIER_CLAIM = "carrier_claim", _("承运商赔款")
        OTHER = "other", _("其他（待查明）")

    account = models.ForeignKey(SettlementAccount, verbose_name=_("结算账户"), on_delete=models.PROTECT,
                                related_name="flows")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, help_text=_("收入为正，支出为负"))
    occurred_at = models.DateTimeField(_("发生时间"))
    counterparty = models.CharField(_("对方户名"), max_length=200, blank=True)
    counterparty_account = models.CharField(_("对方账号"), max_length=40, blank=True)
    reference = models.CharField(_("摘要/流水号"), max_length=200, blank=True)
    statement_line = models.OneToOneField("finance.StatementLine", null=True, blank=True, on_delete=models.CASCADE,
                                          related_name="flow")
    notification = models.OneToOneField("integrations.PaymentNotification", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="account_flow")
    refund = models.OneToOneField("orders.Refund", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="account_flow")
    # The bank statement that showed this flow: the one it was imported from, or — for a
    # refund recorded when it was sent — the one that later confirmed it (so it is not booked
    # a second time from the statement).
    statement = models.ForeignKey("finance.BankStatement", verbose_name=_("对账单"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="flows")
    purpose = models.CharField(_("用途"), max_length=15, choices=Purpose.choices, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    reversal_of = models.OneToOneField("self", verbose_name=_("冲销的流水"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="reversed_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("账户流水")
        verbose_name_plural = _("账户流水")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["account", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+}"
