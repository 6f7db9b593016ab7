"""Account codes (科目映射) the voucher export writes, set by a 主管 to match the chart of
accounts of the company's 用友/金蝶 ledger."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountRole(models.TextChoices):
    """What an account is used for in the vouchers (one row each)."""

    RECEIVABLE = "receivable", _("应收账款")
    REVENUE = "revenue", _("主营业务收入")
    OUTPUT_VAT = "output_vat", _("应交税费—应交增值税（销项税额）")
    BANK = "bank", _("银行存款")
    CASH = "cash", _("库存现金")
    ONLINE = "online", _("其他货币资金（在线支付）")
    # 代收货款: collected by the courier at the door, owed by the carrier until remitted.
    CARRIER_RECEIVABLE = "carrier_cod", _("其他应收款—代收货款")
    # Customer credit (客户余额): over-payments and compensations kept toward the next order.
    ADVANCE_RECEIPT = "advance", _("预收账款（客户余额）")
    # 赔偿 and complaint goodwill given to customers (a selling cost), and what a carrier owes
    # back for the goods it lost or damaged, recovered against that cost by default.
    COMPENSATION_EXPENSE = "compensation", _("销售费用—赔偿及补偿")
    CARRIER_CLAIM = "carrier_claim", _("其他应收款—承运商赔款")
    CLAIM_RECOVERY = "claim_recovery", _("承运商赔款（冲减赔偿支出或营业外收入）")
    # Money in settlement accounts that pays no order (a clerk says what it is).
    BANK_FEE = "bank_fee", _("财务费用—手续费")
    INTEREST = "interest", _("财务费用—利息收入")
    TRANSFER = "transfer", _("内部资金划转（过渡）")
    SUSPENSE = "suspense", _("其他应付款—待查明款项")


# The codes of the 小企业会计准则 / 企业会计准则 chart most ledgers start from.
DEFAULT_ACCOUNTS = {
    AccountRole.RECEIVABLE: ("1122", "应收账款"),
    AccountRole.REVENUE: ("6001", "主营业务收入"),
    AccountRole.OUTPUT_VAT: ("22210102", "应交税费-应交增值税-销项税额"),
    AccountRole.BANK: ("1002", "银行存款"),
    AccountRole.CASH: ("1001", "库存现金"),
    AccountRole.ONLINE: ("1012", "其他货币资金"),
    AccountRole.CARRIER_RECEIVABLE: ("122101", "其他应收款-代收货款"),
    AccountRole.ADVANCE_RECEIPT: ("2203", "预收账款"),
    AccountRole.COMPENSATION_EXPENSE: ("660107", "销售费用-赔偿及补偿"),
    AccountRole.CARRIER_CLAIM: ("122102", "其他应收款-承运商赔款"),
    AccountRole.CLAIM_RECOVERY: ("660107", "销售费用-赔偿及补偿"),
    AccountRole.BANK_FEE: ("660302", "财务费用-手续费"),
    AccountRole.INTEREST: ("660301", "财务费用-利息收入"),
    AccountRole.TRANSFER: ("122103", "其他应收款-资金划转"),
    AccountRole.SUSPENSE: ("224101", "其他应付款-待查明款项"),
}


class AccountMapping(models.Model):
    role = models.CharField(_("用途"), max_length=20, choices=AccountRole.choices, unique=True)
    code = models.CharField(_("科目代码"), max_length=30)
    name = models.CharField(_("科目名称"), max_length=60)

    class Meta:
        verbose_name = _("科目映射")
        verbose_name_plural = _("科目映射")
        ordering = ["id"]
        permissions = [("export_vouchers", _("导出记账凭证"))]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CreditNote(models.Model):
    """贷项: the part of an order a 赔偿 or a complaint's goodwill takes off what the customer
    owes (``Refund.credit_amount``), dated when it was granted. The refund's own date moves to
    the day 财务 approves the money back, so the voucher keeps this one: a closed month's
    vouchers stay the same."""

    refund = models.OneToOneField("orders.Refund", verbose_name=_("退款/贷项"), on_delete=models.PROTECT,
                                  related_name="credit_note")
    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="+")
    amount = models.DecimalField(_("冲减应收"), max_digits=14, decimal_places=2)
    granted_at = models.DateTimeField(_("发生时间"))

    class Meta:
        verbose_name = _("赔偿贷项")
        verbose_name_plural = _("赔偿贷项")
        ordering = ["granted_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} -{self.amount}"
