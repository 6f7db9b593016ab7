from django import template

from orders.models import OrderStatus

from ..selectors import order_fulfillment

register = template.Library()


@register.inclusion_tag("fulfillment/_order_panel.html", takes_context=True)
def fulfillment_panel(context, order):
    """Production, pick lists, shipments, open logistics flags and notices of one order."""
    user = context["request"].user
    data = order_fulfillment(order)
    can_raise = (
        order.is_custom
        and order.status in (OrderStatus.APPROVED, OrderStatus.ALLOCATED, OrderStatus.IN_PRODUCTION)
        and user.has_perm("fulfillment.manage_production")
        and not any(po.is_open for po in data["production_orders"])
    )
    return {**data, "order": order, "perms": context.get("perms"), "request": context["request"],
            "csrf_token": context.get("csrf_token"),
            "can_raise_production": can_raise}
