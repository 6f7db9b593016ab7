"""Which warehouse serves an order (issue 19, 发货仓规则) and the units a product is sold in."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WarehouseRule(models.Model):
    """A 主管's rule: orders for this destination (province, optionally narrowed to a city) or
    from this channel are served from these warehouses, in the order of ``steps``.

    The most specific matching rule wins: channel, then city, then province (see
    ``inventory.services.routing``). Whether one warehouse must serve the whole order is a
    policy (``warehouse_always_split``), not a property of the rule.
    """

    name = models.CharField(_("规则名称"), max_length=40, help_text=_("显示在订单的发货仓说明中，如“华南”"))
    province = models.CharField(_("收货省份"), max_length=20, blank=True, help_text=_("如 广东省；留空表示不限"))
    city = models.CharField(_("收货城市"), max_length=30, blank=True, help_text=_("如 深圳市；留空表示全省"))
    channel = models.CharField(
        _("下单渠道"), max_length=40, blank=True,
        help_text=_("渠道编码（如 taobao-shop-1）或下单渠道（online、phone、email、import、api）；留空表示不限"),
    )
    min_shelf_life_days = models.PositiveIntegerField(
        _("最短剩余保质期(天)"), default=0, help_text=_("效期商品：剩余保质期不足此天数的批次不分配给匹配的订单；0 表示不限")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("发货仓规则")
        verbose_name_plural = _("发货仓规则")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(province="", channel=""), name="warehouse_rule_has_condition"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def condition_label(self) -> str:
        if self.channel:
            return f"渠道 {self.channel}"
        return f"收货地址{self.province}{self.city}"


class WarehouseRuleStep(models.Model):
    """One preferred warehouse of a rule; ``rank`` 1 is tried first."""

    rule = models.ForeignKey(WarehouseRule, verbose_name=_("规则"), on_delete=models.CASCADE, related_name="steps")
    warehouse = models.ForeignKey("inventory.Warehouse", verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("顺序"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("规则仓库")
        verbose_name_plural = _("规则仓库")
        ordering = ["rule_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "warehouse"], name="warehouse_rule_step_unique_warehouse"),
            models.UniqueConstraint(fields=["rule", "rank"], name="warehouse_rule_step_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} #{self.rank} {self.warehouse_id}"
