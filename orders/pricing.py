"""How an order is priced: every figure computed on the server by rule and explained.

Unit price of a line, first rule that applies (on the order date):

1. 合同价 — a contract price for this customer and product;
2. 等级价 — a discount for the customer's level (product rule, else category rule, else a
   rule for all products), as a percentage of the list price;
3. 阶梯价 — a quantity break of the product (the highest ``min_quantity`` ≤ the quantity);
4. 标准价 — the product's list price.

A clerk may type another price with a reason (手工改价); a price below the product's floor
price, or more than the allowed percentage below the rule price, is accepted but raises the
``price`` check of the automatic review, which only a 主管 can clear.

Units (多单位, issue 19): a line may be ordered in another unit of the product (箱 = 12 瓶).
Its price per that unit is the unit's own price (``ProductUnit.price``) when it has one —
it replaces the rules above for that unit — else the rule price per base unit, found for
the base quantity (阶梯价 counts 瓶), × the unit's factor. A manual price is per ordered unit.

Promotions: every allowed combination is evaluated (any subset of the stackable ones, or one
non-stackable one alone); the combination worth most to the customer wins.
Percentage promotions reduce the matching lines; 满减 is spread over the lines in
proportion to their amounts (so that each line's VAT is right); 免运费 removes the freight.

Freight: the most specific active rule for the destination (city, province, default) gives
base fee + per kg × weight, free above its threshold; it can be waived with a reason.
Freight is a separate line with its own VAT (transport service, 9%).

Tax: per line, VAT = net amount × rate rounded half-up to the cent; the order totals are
sums of the rounded line figures, so the lines always add up to the total.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from ordermgmt.errors import InvalidInput
from ordermgmt.language import in_platform_language
from ordermgmt.money import format_yuan, to_money
from ordermgmt.scoped_cache import cached, forget

from .models import ContractPrice, FreightRule, LevelDiscount, Promotion, QuantityBreak

FREIGHT_VAT_RATE = Decimal("0.09")


def forget_price_rules(**_) -> None:
    """A rule was saved or switched off (services, admin): this request reads them again."""
    forget("price_rules")


for _rule_model in (ContractPrice, LevelDiscount, QuantityBreak, Promotion, FreightRule):
    post_save.connect(forget_price_rules, sender=_rule_model, dispatch_uid=f"forget_price_rules_{_rule_model.__name__}")
    post_delete.connect(forget_price_rules, sender=_rule_model, dispatch_uid=f"forget_price_rules_d_{_rule_model.__name__}")
ZERO = Decimal("0.00")


def line_amounts(quantity: int, unit_price: Decimal, vat_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Amount before tax and tax of one line, each rounded to the cent (tax per line)."""
    amount = to_money(Decimal(quantity) * Decimal(unit_price))
    return amount, to_money(amount * vat_rate)


def discount_label(percent_of_list: Decimal) -> str:
    """95 → “95 折”, 90 → “9 折”, 92.5 → “92.5 折”."""
    value = percent_of_list.normalize()
    if value == value.to_integral() and int(value) % 10 == 0:
        return f"{int(value) // 10} 折"
    return f"{value:f} 折"


@dataclass(frozen=True)
class RulePrice:
    unit_price: Decimal
    source: str
    explanation: str
    list_price: Decimal


class PriceBook:
    """The price rules valid on one day for a set of customers and products, loaded in a
    handful of queries so that pricing many lines (or many orders) stays cheap."""

    def __init__(self, *, customers, products, on: date | None = None) -> None:
        self.on = on or timezone.localdate()
        customer_ids = {c.pk for c in customers}
        product_ids = {p.pk for p in products}
        self.contracts: dict[tuple, ContractPrice] = {}
        for rule in ContractPrice.objects.valid_on(self.on).filter(
            customer_id__in=customer_ids, product_id__in=product_ids
        ).order_by("valid_from", "id"):
            self.contracts[(rule.customer_id, rule.product_id)] = rule  # latest start wins
        # The rules for every customer and product are read once per request or task.
        self.level_rules = cached(("price_rules", "level", self.on), lambda: list(
            LevelDiscount.objects.valid_on(self.on).order_by("valid_from", "id")))
        self.breaks: dict[int, list[QuantityBreak]] = defaultdict(list)
        for rule in QuantityBreak.objects.valid_on(self.on).filter(product_id__in=product_ids).order_by("-min_quantity"):
            self.breaks[rule.product_id].append(rule)
        self._promotions = None
        self._freight_rules = None

    @property
    def promotions(self) -> list[Promotion]:
        if self._promotions is None:
            self._promotions = cached(("price_rules", "promotions", self.on), lambda: list(
                Promotion.objects.valid_on(self.on).order_by("id")))
        return self._promotions

    @property
    def freight_rules(self) -> list[FreightRule]:
        if self._freight_rules is None:
            self._freight_rules = cached(("price_rules", "freight"), lambda: list(
                FreightRule.objects.filter(is_active=True)))
        return self._freight_rules

    def _level_rule(self, customer, product) -> LevelDiscount | None:
        best, best_rank = None, 0
        for rule in self.level_rules:
            if rule.level != customer.level:
                continue
            if rule.product_id == product.pk:
                rank = 3
            elif rule.product_id is None and rule.category_id and rule.category_id == product.category_id:
                rank = 2
            elif rule.product_id is None and rule.category_id is None:
                rank = 1
            else:
                continue
            if rank >= best_rank:
                best, best_rank = rule, rank
        return best

    @in_platform_language
    def rule_price(self, *, customer, product, quantity: int) -> RulePrice:
        return self._rule_price(customer=customer, product=product, quantity=quantity)

    def _rule_price(self, *, customer, product, quantity: int) -> RulePrice:
        # Callers switch to the platform language once (price_order prices every line).
        list_price = product.list_price
        contract = self.contracts.get((customer.pk, product.pk))
        if contract is not None:
            note = f"（{contract.note}）" if contract.note else ""
            return RulePrice(contract.unit_price, "contract",
                             f"合同价{note}：{format_yuan(list_price)} → {format_yuan(contract.unit_price)}", list_price)
        level = self._level_rule(customer, product)
        if level is not None:
            price = to_money(list_price * level.percent_of_list / 100)
            return RulePrice(price, "level",
                             f"{level.get_level_display()} 价 {discount_label(level.percent_of_list)}："
                             f"{format_yuan(list_price)} → {format_yuan(price)}", list_price)
        for rule in self.breaks.get(product.pk, []):
            if quantity >= rule.min_quantity:
                return RulePrice(rule.unit_price, "break",
                                 f"阶梯价（满 {rule.min_quantity} {product.unit}）：{format_yuan(list_price)} → "
                                 f"{format_yuan(rule.unit_price)}", list_price)
        return RulePrice(list_price, "list", f"标准价 {format_yuan(list_price)}", list_price)


@dataclass
class PricedLine:
    product: object
    quantity: int
    unit_price: Decimal
    rule: RulePrice
    source: str
    explanation: str
    override_reason: str = ""
    discount: Decimal = ZERO
    tax_amount: Decimal = ZERO
    unit: object = None  # inventory.ProductUnit ordered in; None = the base unit; ``quantity`` is in it

    @property
    def amount(self) -> Decimal:
        return to_money(self.unit_price * self.quantity)

    @property
    def base_quantity(self) -> int:
        return self.quantity * (self.unit.factor if self.unit else 1)

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.discount

    @property
    def vat_rate(self) -> Decimal:
        return self.product.vat_rate


@dataclass
class AppliedPromotion:
    promotion: Promotion
    amount: Decimal  # what the customer saves (positive)
    explanation: str


@dataclass
class FreightQuote:
    amount: Decimal
    explanation: str
    tax_amount: Decimal = ZERO


@dataclass
class PricedOrder:
    lines: list[PricedLine]
    promotions: list[AppliedPromotion] = field(default_factory=list)
    freight: FreightQuote = field(default_factory=lambda: FreightQuote(ZERO, ""))

    @property
    def goods_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def discount_amount(self) -> Decimal:
        return sum((line.discount for line in self.lines), ZERO)

    @property
    def subtotal(self) -> Decimal:
        return self.goods_amount - self.discount_amount + self.freight.amount

    @property
    def tax_amount(self) -> Decimal:
        return sum((line.tax_amount for line in self.lines), ZERO) + self.freight.tax_amount

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_amount

    def tax_by_rate(self) -> dict[Decimal, dict]:
        rates: dict[Decimal, dict] = defaultdict(lambda: {"base": ZERO, "tax": ZERO})
        for line in self.lines:
            rates[line.vat_rate]["base"] += line.net_amount
            rates[line.vat_rate]["tax"] += line.tax_amount
        if self.freight.amount:
            rates[FREIGHT_VAT_RATE]["base"] += self.freight.amount
            rates[FREIGHT_VAT_RATE]["tax"] += self.freight.tax_amount
        return dict(sorted(rates.items(), reverse=True))


def _matches(promotion: Promotion, product) -> bool:
    if promotion.product_id:
        return promotion.product_id == product.pk
    if promotion.category_id:
        return promotion.category_id == product.category_id
    return True


def _spread(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` over the weights to the cent; the rounding rest goes to the largest."""
    total = sum(weights, ZERO)
    if not total:
        return [ZERO for _ in weights]
    parts = [to_money(amount * weight / total) for weight in weights]
    rest = amount - sum(parts, ZERO)
    if rest:
        largest = max(range(len(weights)), key=lambda index: weights[index])
        parts[largest] += rest
    return parts


@dataclass
class _Evaluation:
    promotions: list[AppliedPromotion]
    line_discounts: list[Decimal]
    free_freight: AppliedPromotion | None
    value: Decimal


def _evaluate(combination: Sequence[Promotion], lines: list[PricedLine], freight_fee: Decimal) -> _Evaluation:
    discounts = [ZERO for _ in lines]
    applied: list[AppliedPromotion] = []
    for promotion in combination:
        if promotion.kind != Promotion.Kind.PERCENT_OFF:
            continue
        saved = ZERO
        for index, line in enumerate(lines):
            if _matches(promotion, line.product):
                cut = min(to_money(line.amount * promotion.percent_off / 100), line.amount - discounts[index])
                discounts[index] += cut
                saved += cut
        if saved:
            applied.append(AppliedPromotion(promotion, saved, f"{promotion.name}：适用商品减 {promotion.percent_off.normalize():f}%"))
    net = sum((line.amount for line in lines), ZERO) - sum(discounts, ZERO)
    for promotion in combination:
        if promotion.kind == Promotion.Kind.AMOUNT_OFF and net >= promotion.threshold:
            cut = min(promotion.amount_off, net)
            parts = _spread(cut, [line.amount - discounts[i] for i, line in enumerate(lines)])
            discounts = [d + p for d, p in zip(discounts, parts)]
            net -= cut
            applied.append(AppliedPromotion(promotion, cut, f"{promotion.name}：满 {format_yuan(promotion.threshold)} 减 {format_yuan(cut)}"))
    free_freight = None
    for promotion in combination:
        if promotion.kind == Promotion.Kind.FREE_FREIGHT and net >= promotion.threshold and freight_fee:
            free_freight = AppliedPromotion(promotion, freight_fee, f"{promotion.name}：满 {format_yuan(promotion.threshold)} 免运费")
            break
    value = sum(discounts, ZERO) + (free_freight.amount if free_freight else ZERO)
    return _Evaluation(applied, discounts, free_freight, value)


MAX_EXHAUSTIVE_STACKABLE = 10


def _combinations(promotions: list[Promotion]) -> list[list[Promotion]]:
    """Every allowed combination: any subset of the stackable promotions, or one
    non-stackable promotion alone. (Beyond ten stackable ones: all of them together.)"""
    from itertools import combinations

    stackable = [p for p in promotions if p.stackable]
    options: list[list[Promotion]] = [[]]
    if len(stackable) <= MAX_EXHAUSTIVE_STACKABLE:
        for size in range(1, len(stackable) + 1):
            options.extend(list(combo) for combo in combinations(stackable, size))
    else:
        options.append(stackable)
    options.extend([p] for p in promotions if not p.stackable)
    return options


def _freight_rule(rules: list[FreightRule], province: str, city: str) -> FreightRule | None:
    best, best_rank = None, -1
    for rule in rules:
        if rule.province and rule.province != province:
            continue
        if rule.city and rule.city != city:
            continue
        rank = (2 if rule.city else 0) + (1 if rule.province else 0)
        if rank > best_rank:
            best, best_rank = rule, rank
    return best


def _freight_fee(rule: FreightRule | None, lines: list[PricedLine]) -> tuple[Decimal, str]:
    if rule is None:
        return ZERO, "该地区无运费规则，不收运费"
    weight = sum((line.product.weight_kg * line.base_quantity for line in lines), Decimal("0"))
    fee = to_money(rule.base_fee + rule.per_kg_fee * weight)
    return fee, (f"{rule}运费：起步 {format_yuan(rule.base_fee)} + {format_yuan(rule.per_kg_fee)}/kg × "
                 f"{weight.normalize():f} kg = {format_yuan(fee)}")


def unit_rule_price(base: RulePrice, unit, product) -> RulePrice:
    """The price per ``unit`` (a ``ProductUnit``): its own price, else the base rule × factor."""
    per = f"1 {unit.name} = {unit.factor} {product.unit}"
    list_price = to_money(product.list_price * unit.factor)
    if unit.price is not None:
        return RulePrice(to_money(unit.price), "unit", f"{unit.name}价 {format_yuan(unit.price)}（{per}）", list_price)
    return RulePrice(to_money(base.unit_price * unit.factor), base.source,
                     f"{base.explanation} × {unit.factor}（{per}）", list_price)


@in_platform_language
def price_order(
    *,
    customer,
    lines: Sequence,
    province: str,
    city: str,
    freight_waived: bool = False,
    freight_waiver_reason: str = "",
    book: PriceBook | None = None,
) -> PricedOrder:
    """Price an order. ``lines`` are ``orders.services.LineInput`` (unit_price None = by rule)."""
    book = book or PriceBook(customers=[customer], products=[line.product for line in lines])
    priced: list[PricedLine] = []
    problems = []
    for index, line in enumerate(lines, start=1):
        unit = getattr(line, "unit", None)
        rule = book._rule_price(customer=customer, product=line.product,
                                quantity=line.quantity * (unit.factor if unit else 1))
        rule = unit_rule_price(rule, unit, line.product) if unit else rule
        reason = (getattr(line, "override_reason", "") or "").strip()
        if line.unit_price is None or to_money(line.unit_price) == rule.unit_price:
            priced.append(PricedLine(line.product, line.quantity, rule.unit_price, rule, rule.source, rule.explanation,
                                     unit=unit))
            continue
        unit_price = to_money(line.unit_price)
        if not reason:
            problems.append(f"第{index}行：单价 {format_yuan(unit_price)} 与规则价 {format_yuan(rule.unit_price)} 不同，手工改价必须填写原因")
            continue
        priced.append(PricedLine(
            line.product, line.quantity, unit_price, rule, "manual",
            f"手工改价：规则价 {format_yuan(rule.unit_price)}（{rule.explanation}）→ {format_yuan(unit_price)}，原因：{reason}",
            override_reason=reason, unit=unit,
        ))
    if problems:
        raise InvalidInput("；".join(problems))

    rule = _freight_rule(book.freight_rules, province, city)
    fee, fee_explanation = _freight_fee(rule, priced)
    best = max(
        (_evaluate(option, priced, fee) for option in _combinations(book.promotions)),
        key=lambda evaluation: (evaluation.value, -len(evaluation.promotions)),
    )

    for line, discount in zip(priced, best.line_discounts):
        line.discount = discount
        line.tax_amount = to_money(line.net_amount * line.vat_rate)
    result = PricedOrder(priced, best.promotions)

    net = result.goods_amount - result.discount_amount
    if freight_waived:
        if not freight_waiver_reason.strip():
            raise InvalidInput("免收运费必须填写原因")
        result.freight = FreightQuote(ZERO, f"免收运费（原为 {format_yuan(fee)}）：{freight_waiver_reason.strip()}")
    elif best.free_freight is not None:
        result.promotions.append(best.free_freight)
        result.freight = FreightQuote(ZERO, best.free_freight.explanation + f"（原运费 {format_yuan(fee)}）")
    elif rule is not None and rule.free_over is not None and net >= rule.free_over:
        result.freight = FreightQuote(ZERO, f"{rule}满 {format_yuan(rule.free_over)} 包邮（原运费 {format_yuan(fee)}）")
    else:
        result.freight = FreightQuote(fee, fee_explanation, to_money(fee * FREIGHT_VAT_RATE))
    return result


def price_check_problems(order, *, max_discount_percent: Decimal) -> list[str]:
    """Manual prices a 主管 must approve: below the floor price, or too far below the rule."""
    problems = []
    for line in order.lines.all():
        if line.price_source != "manual":
            continue
        floor = line.product.floor_price
        if floor is not None and line.unit_price < floor:
            problems.append(f"第{line.line_no}行 {line.product_sku} 手工价 {format_yuan(line.unit_price)} 低于最低售价 {format_yuan(floor)}")
            continue
        if line.rule_price and line.unit_price < line.rule_price:
            cut = (line.rule_price - line.unit_price) / line.rule_price * 100
            if cut > max_discount_percent:
                problems.append(
                    f"第{line.line_no}行 {line.product_sku} 手工价 {format_yuan(line.unit_price)} 比规则价 "
                    f"{format_yuan(line.rule_price)} 低 {cut.quantize(Decimal('0.1'))}%，超过允许的 {max_discount_percent}%"
                )
    return problems
