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


# The codes of the 小企业会计准则 / 企业会计准则 chart most ledgers start from.
DEFAULT_ACCOUNTS = {
    AccountRole.RECEIVABLE: ("1122", "应收账款"),
    AccountRole.REVENUE: ("6001", "主营业务收入"),
    AccountRole.OUTPUT_VAT: ("22210102", "应交税费-应交增值税-销项税额"),
    AccountRole.BANK: ("1002", "银行存款"),
    AccountRole.CASH: ("1001", "库存现金"),
    AccountRole.ONLINE: ("1012", "其他货币资金"),
    AccountRole.CARRIER_RECEIVABLE: ("122101", "其他应收款-代收货款"),
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
