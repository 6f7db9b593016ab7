"""Who is told: the users whose role works on an order where it stands (the queue rules of
orders.workflow), the order's own people, the 主管 and the 客服."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from ordermgmt import roles
from orders.models import Order
from orders.selectors import QUEUE_EXTRA_FILTERS
from orders.workflow import QUEUE_RULES


def role_holders(*role_names: str) -> QuerySet:
    return get_user_model().objects.filter(is_active=True, groups__name__in=role_names).distinct()


def permission_holders(permission: str) -> QuerySet:
    """The active users of the roles whose job includes ``permission`` (roles.py); the 主管
    only for what no other role does (the 主管 may do everything, but is not told everything)."""
    names = [role for role, granted in roles.ROLE_PERMISSIONS.items() if granted != ["*"] and permission in granted]
    return role_holders(*(names or [roles.MANAGER]))


def managers() -> QuerySet:
    return role_holders(roles.MANAGER)


def order_people(order: Order) -> set:
    """The order's owner and whoever entered it."""
    return {user for user in (order.owner, order.created_by) if user is not None}


def stage_handlers(order: Order) -> set:
    """Who works on ``order`` where it stands now: the holders of each queue rule it meets
    (its own people for a rule about one's own orders, e.g. a rejected order)."""
    users = set()
    for rule in QUEUE_RULES:
        if order.status not in rule.statuses or (rule.order_type and order.order_type != rule.order_type):
            continue
        if rule.extra and not Order.objects.filter(pk=order.pk).filter(QUEUE_EXTRA_FILTERS[rule.extra]).exists():
            continue
        users |= order_people(order) if rule.own_only else set(permission_holders(rule.permission))
    return users
