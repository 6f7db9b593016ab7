"""Price rules (contract prices, level discounts, quantity breaks, promotions, freight) and the
non-goods lines they put on an order."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ordermgmt.history import signed_in_user

from .order import Order

# --- pricing rules -----------------------------------------------------------------------
# Precedence of unit prices (see orders/pricing.py): contract price → customer-level
# discount → quantity break → list price. Promotions and freight apply to the order.


class ValidityQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(is_active=True, valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class ContractPrice(models.Model):
    """合同价: a price agreed with one customer for one product, for a period."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="contract_prices")
    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.CASCADE,
                                related_name="contract_prices")
    unit_price = models.DecimalField(_("合同单价(元,不含税)"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0"))])
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("含当天；留空表示长期有效"))
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("合同号/备注"), max_length=100, blank=True)

    objects = ValidityQuerySet.as_manager()

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("客户合同价")
        verbose_name_plural = _("客户合同价")
        ordering = ["customer", "product", "-valid_from"]
        indexes = [models.Index(fields=["customer", "product", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.product.sku} ¥{self.unit_price}"


class LevelDiscount(models.Model):
    """等级价: customers of a level pay a percentage of the list price (e.g. VIP 95 折),
    for one product, one category, or everything (both empty)."""

    level = models.CharField(_("客户等级"), max_length=16, choices=[
        ("normal", _("普通")), ("important", _("重要")), ("vip", "VIP"),
    ])
    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("inventory.Category", verbose_name=_("类目"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    percent_of_list = models.DecimalField(
        _("折扣(标准价的%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text=_("95 表示 95 折"),
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ValidityQuerySet.as_manager()

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("等级折扣")
        verbose_name_plural = _("等级折扣")
        ordering = ["level", "product", "category"]

    def __str__(self) -> str:
        scope = self.product or self.category or _("全部商品")
        return f"{self.get_level_display()} {scope} {self.percent_of_list}%"


class QuantityBreak(models.Model):
    """阶梯价: from ``min_quantity`` units in one line, the unit price is ``unit_price``."""

    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.CASCADE,
                                related_name="quantity_breaks")
    min_quantity = models.PositiveIntegerField(_("起订数量"), validators=[MinValueValidator(2)])
    unit_price = models.DecimalField(_("阶梯单价(元,不含税)"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0"))])
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ValidityQuerySet.as_manager()

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("阶梯价")
        verbose_name_plural = _("阶梯价")
        ordering = ["product", "min_quantity"]

    def __str__(self) -> str:
        return f"{self.product.sku} ≥{self.min_quantity} ¥{self.unit_price}"


class Promotion(models.Model):
    class Kind(models.TextChoices):
        PERCENT_OFF = "percent_off", _("折扣（类目/商品）")
        AMOUNT_OFF = "amount_off", _("满减")
        FREE_FREIGHT = "free_freight", _("满额免运费")

    name = models.CharField(_("活动名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    percent_off = models.DecimalField(_("减免比例(%)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                      validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("90"))],
                                      help_text=_("折扣类：10 表示减 10%（9 折）"))
    product = models.ForeignKey("inventory.Product", verbose_name=_("限定商品"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("inventory.Category", verbose_name=_("限定类目"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    threshold = models.DecimalField(_("门槛金额(元,不含税)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(Decimal("0"))],
                                    help_text=_("满减、免运费：商品金额达到此值才生效"))
    amount_off = models.DecimalField(_("减免金额(元)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                     validators=[MinValueValidator(Decimal("0.01"))])
    stackable = models.BooleanField(_("可与其他活动叠加"), default=False)
    valid_from = models.DateField(_("开始日期"))
    valid_to = models.DateField(_("结束日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ValidityQuerySet.as_manager()

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("促销活动")
        verbose_name_plural = _("促销活动")
        ordering = ["-valid_from", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.PERCENT_OFF and not self.percent_off:
            raise ValidationError({"percent_off": _("折扣类活动必须填写减免比例")})
        if self.kind == self.Kind.AMOUNT_OFF and not (self.threshold and self.amount_off):
            raise ValidationError(_("满减活动必须填写门槛金额和减免金额"))
        if self.kind == self.Kind.AMOUNT_OFF and self.amount_off and self.threshold and self.amount_off >= self.threshold:
            raise ValidationError({"amount_off": _("减免金额必须小于门槛金额")})
        if self.kind == self.Kind.FREE_FREIGHT and self.threshold is None:
            raise ValidationError({"threshold": _("免运费活动必须填写门槛金额")})
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("结束日期不能早于开始日期")})


class FreightRule(models.Model):
    """运费规则 for a destination: the most specific match (city, then province, then the
    default rule with both empty) decides the fee = base + per kg × total weight."""

    province = models.CharField(_("省"), max_length=20, blank=True, help_text=_("留空表示全国默认"))
    city = models.CharField(_("市"), max_length=30, blank=True, help_text=_("留空表示全省"))
    base_fee = models.DecimalField(_("首重/起步价(元,不含税)"), max_digits=10, decimal_places=2,
                                   validators=[MinValueValidator(Decimal("0"))])
    per_kg_fee = models.DecimalField(_("每公斤(元)"), max_digits=10, decimal_places=2, default=Decimal("0"),
                                     validators=[MinValueValidator(Decimal("0"))])
    free_over = models.DecimalField(_("满额包邮(元,不含税)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                    help_text=_("商品金额（优惠后）达到此值免运费；留空表示不包邮"))
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("运费规则")
        verbose_name_plural = _("运费规则")
        ordering = ["province", "city"]
        constraints = [
            models.UniqueConstraint(fields=["province", "city"], condition=Q(is_active=True),
                                    name="freight_one_active_rule_per_destination"),
        ]

    def __str__(self) -> str:
        return f"{self.province or '全国'}{self.city}"


class OrderAdjustment(models.Model):
    """A line of the order that is not goods: a promotion (negative) or freight (positive)."""

    class Kind(models.TextChoices):
        PROMOTION = "promotion", _("促销")
        FREIGHT = "freight", _("运费")

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    label = models.CharField(_("名称"), max_length=200)
    amount = models.DecimalField(_("金额(不含税)"), max_digits=14, decimal_places=2)
    vat_rate = models.DecimalField(_("税率"), max_digits=4, decimal_places=2, default=Decimal("0"))
    tax_amount = models.DecimalField(_("税额"), max_digits=14, decimal_places=2, default=Decimal("0"))
    promotion = models.ForeignKey(Promotion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    explanation = models.CharField(_("计算说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("订单费用/优惠")
        verbose_name_plural = _("订单费用/优惠")
        ordering = ["order", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.label} {self.amount}"
