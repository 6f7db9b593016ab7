"""发货仓规则: which warehouses may serve an order, in which order, and why.

``route_for`` reads the 主管's rules (``WarehouseRule``, loaded once per cache scope) and the
destination of an order and answers a ``Route``; ``StockLedger.allocate`` takes stock from
the route's warehouses only, in its order (``single warehouse first`` unless the policy
``warehouse_always_split`` says otherwise), and writes the reason on the plan.

Which rule wins when several match: a channel rule (the order's channel code, or its
下单渠道), then a rule for the destination city, then one for the province. No rule: every
sellable warehouse, oldest stock first, as before issue 19.

Minimum remaining shelf life (expiry-tracked products): the larger of the customer's and
the winning rule's; a batch that expires sooner is not allocated to the order.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from ordermgmt.policies import get_policy
from ordermgmt.scoped_cache import cached

from ..models import WarehouseRule, WarehouseRuleStep
from ..policies import WAREHOUSE_ALWAYS_SPLIT


@dataclass(frozen=True)
class Route:
    """Where an order's stock may come from. ``warehouse_ids`` empty: anywhere sellable."""

    warehouse_ids: tuple[int, ...] = ()
    warehouse_names: dict = field(default_factory=dict)
    always_split: bool = False
    min_shelf_life_days: int = 0
    condition: str = ""  # "收货地址广东省", "渠道 taobao-shop-1"
    rule_name: str = ""

    def min_expiry(self, today: date) -> date | None:
        return today + timedelta(days=self.min_shelf_life_days) if self.min_shelf_life_days else None

    def describe(self, used_names: list[str], *, split: bool) -> str:
        """The reason an order shows: "收货地址广东省 → 广州仓（规则：华南）"."""
        target = "、".join(used_names) or "—"
        if not self.warehouse_ids:
            text = f"无匹配的发货仓规则 → {target}（按先进先出）"
        elif split and not self.always_split:
            text = f"{self.condition}：单仓无法满足，拆分 → {target}（规则：{self.rule_name}）"
        else:
            text = f"{self.condition} → {target}（规则：{self.rule_name}" + ("，总是拆分）" if self.always_split and split else "）")
        if self.min_shelf_life_days:
            text += f"；剩余保质期至少 {self.min_shelf_life_days} 天"
        return text


@dataclass(frozen=True)
class _Rule:
    name: str
    province: str
    city: str
    channel: str
    min_shelf_life_days: int
    warehouses: tuple[tuple[int, str], ...]


def _normalise(region: str) -> str:
    region = (region or "").strip()
    for suffix in ("省", "市", "自治区", "特别行政区"):
        region = region.removesuffix(suffix)
    return region


def _load_rules() -> list[_Rule]:
    steps: dict[int, list] = {}
    rules: dict[int, WarehouseRule] = {}
    for step in (WarehouseRuleStep.objects.filter(rule__is_active=True, warehouse__is_active=True,
                                                  warehouse__is_quarantine=False)
                 .select_related("rule", "warehouse").order_by("rule_id", "rank")):
        rules[step.rule_id] = step.rule
        steps.setdefault(step.rule_id, []).append((step.warehouse_id, step.warehouse.name))
    return [
        _Rule(rule.name, _normalise(rule.province), _normalise(rule.city), rule.channel.strip(),
              rule.min_shelf_life_days, tuple(steps[pk]))
        for pk, rule in sorted(rules.items())
    ]


def active_rules() -> list[_Rule]:
    return cached(("warehouse_rules",), _load_rules)


def _winning_rule(*, province: str, city: str, channels: tuple[str, ...]) -> tuple[_Rule, str] | None:
    """The rule and the condition it matched, in the order's own words ("收货地址广东省广州市")."""
    shown_province, shown_city = province.strip(), city.strip()
    province, city = _normalise(province), _normalise(city)
    by_channel = by_city = by_province = None
    for rule in active_rules():
        if rule.channel:
            if by_channel is None and rule.channel in channels and (not rule.province or rule.province == province):
                by_channel = rule
        elif rule.province == province:
            if rule.city and rule.city == city and by_city is None:
                by_city = rule
            elif not rule.city and by_province is None:
                by_province = rule
    if by_channel is not None:
        return by_channel, f"渠道 {by_channel.channel}"
    if by_city is not None:
        return by_city, f"收货地址{shown_province}{shown_city}"
    if by_province is not None:
        return by_province, f"收货地址{shown_province}"
    return None


def route_for(*, province: str = "", city: str = "", channels: tuple[str, ...] = (),
              min_shelf_life_days: int = 0, consult_rules: bool = True) -> Route:
    """The route of a destination; ``channels`` are the order's channel code and 下单渠道.
    ``consult_rules`` false: the caller knows there is no rule (no query)."""
    found = consult_rules and _winning_rule(province=province, city=city, channels=tuple(c for c in channels if c))
    if not found:
        return Route(min_shelf_life_days=min_shelf_life_days)
    rule, condition = found
    return Route(
        warehouse_ids=tuple(pk for pk, _name in rule.warehouses),
        warehouse_names=dict(rule.warehouses),
        always_split=bool(get_policy(WAREHOUSE_ALWAYS_SPLIT)),
        min_shelf_life_days=max(min_shelf_life_days, rule.min_shelf_life_days),
        condition=condition,
        rule_name=rule.name,
    )


def route_for_order(order, *, consult_rules: bool = True) -> Route:
    """The route of an order (duck-typed: inventory does not import orders)."""
    customer = getattr(order, "customer", None)
    return route_for(
        province=order.ship_province, city=order.ship_city,
        channels=(order.channel_code, order.channel),
        min_shelf_life_days=getattr(customer, "min_shelf_life_days", 0) or 0,
        consult_rules=consult_rules,
    )


def route_to_warehouse(warehouse, *, min_shelf_life_days: int = 0, reason: str = "") -> Route:
    """One warehouse chosen by hand (a 仓库管理员 changing the shipping warehouse)."""
    return Route(warehouse_ids=(warehouse.pk,), warehouse_names={warehouse.pk: warehouse.name},
                 min_shelf_life_days=min_shelf_life_days, condition=reason or "指定发货仓", rule_name="人工指定")


def today() -> date:
    return timezone.localdate()
