"""多单位: the units a product is sold and stocked in besides its base unit (``Product.unit``)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProductUnit(models.Model):
    """箱 = 12 瓶: ``factor`` base units make one of this unit, exactly (an integer).

    Stock is kept in base units; an order line keeps the unit the customer ordered, the
    quantity in it and the base quantity. ``price`` is the unit's own list price (不含税);
    empty means the base price × ``factor`` (see ``orders.pricing``).
    """

    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("单位"), max_length=10)
    factor = models.PositiveIntegerField(_("折合基本单位数量"), validators=[MinValueValidator(2)],
                                         help_text=_("一个此单位等于多少个基本单位，如 1 箱 = 12 瓶 填 12"))
    barcode = models.CharField(_("条码"), max_length=40, blank=True)
    price = models.DecimalField(_("单位售价(元,不含税)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                validators=[MinValueValidator(0)], help_text=_("留空则按基本单位价格 × 折合数量"))

    class Meta:
        verbose_name = _("商品单位")
        verbose_name_plural = _("商品单位")
        ordering = ["product_id", "factor"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="product_unit_unique_name"),
            models.UniqueConstraint(fields=["barcode"], condition=~Q(barcode=""), name="product_unit_unique_barcode"),
            models.CheckConstraint(condition=Q(factor__gte=2), name="product_unit_factor_above_one"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.factor}）"
