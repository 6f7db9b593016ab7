"""Maintaining the price rules (contract prices, level discounts, breaks, promotions, freight)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ordermgmt.errors import (
    InvalidInput,
)
from ordermgmt.history import attribute_change

from ..pricing import forget_price_rules
from .common import check_permission


@transaction.atomic
def price_rule_save(*, user, rule):
    """Save a price rule (contract price, level discount, quantity break, promotion, freight).

    Approved orders keep their frozen prices; orders not yet approved are re-priced by the
    new rules the next time they are edited.
    """

    meta = rule._meta
    action = "change" if rule.pk else "add"
    check_permission(user, f"{meta.app_label}.{action}_{meta.model_name}", "维护价格规则")
    try:
        rule.full_clean()
    except ValidationError as error:
        raise InvalidInput("；".join(error.messages)) from error
    attribute_change(rule, user).save()
    return rule


@transaction.atomic
def price_rule_deactivate(*, user, rule):
    """Rules are switched off, not deleted: orders keep explaining prices with them."""
    meta = rule._meta
    check_permission(user, f"{meta.app_label}.change_{meta.model_name}", "维护价格规则")
    locked = type(rule).objects.select_for_update().get(pk=rule.pk)
    locked.is_active = False
    attribute_change(locked, user, "停用").save(update_fields=["is_active"])
    rule.is_active = False
    return rule
