"""What fulfillment shows on the pages of the apps below it (see ordermgmt/panels.py)."""

from django.utils.translation import ngettext

from ordermgmt.panels import register_panel
from orders.models import OrderStatus

from .forms import ChangeWarehouseForm
from .selectors import failed_notification_count, late_production_count, open_exceptions, order_fulfillment

PRODUCTION_STATUSES = (OrderStatus.APPROVED, OrderStatus.ALLOCATED, OrderStatus.IN_PRODUCTION)


def order_panel(request, order) -> dict:
    """Production, pick lists, shipments, open logistics flags and notices of one order."""
    data = order_fulfillment(order)
    can_raise = (
        order.is_custom
        and order.status in PRODUCTION_STATUSES
        and request.user.has_perm("fulfillment.manage_production")
        and not any(po.is_open for po in data["production_orders"])
    )
    can_change_warehouse = (
        order.status == OrderStatus.ALLOCATED
        and request.user.has_perm("fulfillment.manage_picking")
        and not any(pl.status != "cancelled" for pl in data["pick_lists"])
    )
    return {**data, "can_raise_production": can_raise, "can_change_warehouse": can_change_warehouse,
            "warehouse_form": ChangeWarehouseForm() if can_change_warehouse else None}


def alerts_panel(request) -> dict | None:
    """On the home page: what is late, lost or failed, for the roles that handle it."""
    user = request.user
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
    return {"alerts": alerts} if alerts else None


def register() -> None:
    register_panel("order_detail.top", "fulfillment", template="fulfillment/_order_panel.html", context=order_panel)
    register_panel("home.queue_alerts", "fulfillment", template="fulfillment/_alerts.html", context=alerts_panel)
