"""Standard costs (标准成本), kept by finance: the cost of goods of a batch without a purchase price."""

from decimal import Decimal

from django.db import transaction

from inventory.models import Product
from ordermgmt.errors import ActionForbidden, InvalidInput
from ordermgmt.history import attribute_change
from ordermgmt.money import to_money

COST_PERMISSION = "finance.change_standard_cost"


@transaction.atomic
def standard_cost_set(*, user, product: Product, standard_cost: Decimal | None) -> Product:
    """Set (or clear, None) the product's standard cost; its history records who and when."""
    if user is not None and not user.has_perm(COST_PERMISSION):
        raise ActionForbidden("只有财务或主管可以维护标准成本")
    if standard_cost is not None:
        standard_cost = to_money(standard_cost)
        if standard_cost < 0:
            raise InvalidInput("标准成本不能为负数")
    locked = Product.objects.select_for_update().get(pk=product.pk)
    locked.standard_cost = standard_cost
    attribute_change(locked, user).save()
    return locked
