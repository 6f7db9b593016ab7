"""The webhook event types: one table, read by the receivers that write the outbox, the
subscription forms, the API schema and the README."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class WebhookEventType:
    label: Promise
    description: str  # English, for the API documentation


ORDER_CREATED = "order.created"
ORDER_STATUS_CHANGED = "order.status_changed"
ORDER_SHIPPED = "order.shipped"
ORDER_DELIVERED = "order.delivered"
ORDER_CANCELLED = "order.cancelled"
AFTER_SALES_OPENED = "after_sales.opened"
PAYMENT_RECORDED = "payment.recorded"
REFUND_RECORDED = "refund.recorded"

EVENT_TYPES = {
    ORDER_CREATED: WebhookEventType(_("订单已创建"), "An order was entered (portal, import or API); `data.order`."),
    ORDER_STATUS_CHANGED: WebhookEventType(
        _("订单状态变更"),
        "The order moved from one state to another (approved, rejected, allocated, shipped, …); "
        "`data.from_status`, `data.to_status`, `data.action`, `data.reason`."),
    ORDER_SHIPPED: WebhookEventType(
        _("订单出库（承运商与物流单号）"),
        "A parcel left the warehouse: `data.shipment` with carrier, tracking number and tracking URL; "
        "`data.partial` is true while other goods of the order are still to ship."),
    ORDER_DELIVERED: WebhookEventType(_("订单已交付"), "The last parcel was signed for."),
    ORDER_CANCELLED: WebhookEventType(
        _("订单已取消"),
        "Cancelled before shipment (`data.after_shipping` false), or after it: then the goods come back "
        "as a return and `data.after_shipping` is true."),
    AFTER_SALES_OPENED: WebhookEventType(_("售后工单已登记"), "An after-sales case was opened: `data.case`."),
    PAYMENT_RECORDED: WebhookEventType(_("已登记收款"), "Money received for the order: `data.payment`."),
    REFUND_RECORDED: WebhookEventType(_("已登记退款"), "Money paid back: `data.refund`."),
}

CHOICES = [(name, f"{name} · {kind.label}") for name, kind in EVENT_TYPES.items()]
