"""Rights over costs. The standard cost itself is a field of the product
(``inventory.Product.standard_cost``) that finance keeps; this model only holds the permission
(no table)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CostRights(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("成本权限")
        permissions = [("change_standard_cost", _("维护商品标准成本"))]
