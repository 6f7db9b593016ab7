"""Purchasing's business rules, in the platform's policy registry (业务规则 page)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ordermgmt.policies import PolicyDef, register

PURCHASE_APPROVAL_AMOUNT = register(PolicyDef(
    "purchase_approval_amount", _("采购单需主管审批的金额(元)"), Decimal, Decimal("20000.00"),
    help_text=_("采购金额超过此数的采购单须由主管审批后才下单；不超过的直接下单"), group="采购",
))
QUALIFICATION_WARNING_DAYS = register(PolicyDef(
    "supplier_qualification_warning_days", _("供应商资质到期提前提醒(天)"), int, 30, minimum=1, maximum=365,
    help_text=_("供应商资质文件在到期前这么多天起，每天提醒主管和采购人员"), group="采购",
))
