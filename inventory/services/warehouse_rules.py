"""The 主管 maintains the 发货仓规则 (which warehouses serve which destination or channel)."""

from django.db import transaction

from ordermgmt.errors import InvalidInput
from ordermgmt.scoped_cache import forget

from ..models import Warehouse, WarehouseRule, WarehouseRuleStep
from .common import check_permission


def parse_warehouse_codes(raw: str) -> list[Warehouse]:
    """"GZ, SH" → the warehouses in that order; unknown, quarantine or repeated codes are refused."""
    codes = [code.strip().upper() for code in (raw or "").replace("，", ",").replace("、", ",").split(",") if code.strip()]
    if not codes:
        raise InvalidInput("请按优先顺序填写至少一个仓库编码，如 GZ, SH")
    if len(set(codes)) != len(codes):
        raise InvalidInput("仓库编码不能重复")
    found = {w.code.upper(): w for w in Warehouse.objects.filter(is_active=True, is_quarantine=False)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise InvalidInput(f"没有可发货的仓库编码：{'、'.join(unknown)}（隔离仓和停用的仓库不能发货）")
    return [found[code] for code in codes]


@transaction.atomic
def warehouse_rule_save(*, user, rule: WarehouseRule | None = None, name: str, province: str = "", city: str = "",
                        channel: str = "", min_shelf_life_days: int = 0, is_active: bool = True,
                        warehouses: list[Warehouse]) -> WarehouseRule:
    """Create or change a rule and its warehouses (in order of preference)."""
    check_permission(user, "inventory.change_warehouserule", "维护发货仓规则")
    province, city, channel = province.strip(), city.strip(), channel.strip()
    if not (province or channel):
        raise InvalidInput("规则须指定收货省份或下单渠道")
    if city and not province:
        raise InvalidInput("指定收货城市时须同时填写省份")
    if not warehouses:
        raise InvalidInput("请至少指定一个发货仓库")
    rule = rule or WarehouseRule()
    rule.name, rule.province, rule.city, rule.channel = name.strip(), province, city, channel
    rule.min_shelf_life_days, rule.is_active = min_shelf_life_days, is_active
    rule.save()
    WarehouseRuleStep.objects.filter(rule=rule).delete()
    WarehouseRuleStep.objects.bulk_create(
        [WarehouseRuleStep(rule=rule, warehouse=warehouse, rank=rank) for rank, warehouse in enumerate(warehouses, 1)]
    )
    forget("warehouse_rules")
    return rule


@transaction.atomic
def warehouse_rule_delete(*, user, rule: WarehouseRule) -> None:
    check_permission(user, "inventory.change_warehouserule", "维护发货仓规则")
    rule.delete()
    forget("warehouse_rules")
