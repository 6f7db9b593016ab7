"""Inventory's business rules in the platform's policy registry (业务规则 page)."""

from django.utils.translation import gettext_lazy as _

from ordermgmt.policies import PolicyDef, register

WAREHOUSE_ALWAYS_SPLIT = register(PolicyDef(
    "warehouse_always_split", _("发货仓拆分策略"), int, 0, minimum=0, maximum=1,
    help_text=_("0 = 单仓优先：规则中第一个能供应整单的仓库发全部商品，都不能时才按规则顺序拆分；"
                "1 = 总是拆分：按规则中的仓库顺序逐仓分配"),
    group="库存",
))
