from django import template
from django.utils.translation import ngettext

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


@register.inclusion_tag("fulfillment/_alerts.html", takes_context=True)
def fulfillment_alerts(context):
    """On the home page: what is late, lost or failed, for the roles that handle it."""
    from ..selectors import failed_notification_count, late_production_count, open_exceptions

    user = context["request"].user
    alerts = []
    if user.has_perm("fulfillment.manage_shipments"):
        count = open_exceptions().count()
        if count:
            alerts.append(("fulfillment:exceptions", ngettext(
                "%(n)s 个物流异常待处理（延误 / 疑似丢件）", "%(n)s 个物流异常待处理（延误 / 疑似丢件）", count
            ) % {"n": count}))
    if user.has_perm("fulfillment.manage_production"):
        count = late_production_count()
        if count:
            alerts.append(("fulfillment:production_list", ngettext("%(n)s 个生产单落后于计划", "%(n)s 个生产单落后于计划", count) % {"n": count}))
    if user.has_perm("fulfillment.resend_notification"):
        count = failed_notification_count()
        if count:
            alerts.append(("fulfillment:outbox", ngettext("%(n)s 条客户通知发送失败", "%(n)s 条客户通知发送失败", count) % {"n": count}))
    return {"alerts": alerts}
