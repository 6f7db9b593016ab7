"""Webhook outbox rows for what the apps below announce (see ``ordermgmt.domain_events``).
All run inside the publisher's transaction: the event is sent if and only if the change
commits. Which domain event feeds which webhook event type:

=============================  ==============================================
domain event                   webhook event types
=============================  ==============================================
``OrderCreated``               ``order.created``
``OrderStatusChanged``         ``order.status_changed``; ``order.delivered`` (to 已交付);
                               ``order.cancelled`` (to 已取消, or cancelled after shipping)
``ShipmentDispatched``         ``order.shipped`` (carrier, tracking number)
``AfterSalesCaseOpened``       ``after_sales.opened``
``PaymentRecorded``            ``payment.recorded``
``RefundRecorded``             ``refund.recorded``
=============================  ==============================================
"""

from aftersales.domain_events import AfterSalesCaseOpened
from fulfillment.domain_events import ShipmentDispatched
from ordermgmt.domain_events import Phase, subscribe
from orders.domain_events import OrderCreated, OrderStatusChanged, PaymentRecorded, RefundRecorded
from orders.states import OrderStatus

from .services.webhooks import webhook_outbox_write
from .webhooks import event_types as types
from .webhooks import payloads


@subscribe(OrderCreated, phase=Phase.IN_TRANSACTION)
def order_created(event: OrderCreated) -> None:
    webhook_outbox_write(event_type=types.ORDER_CREATED, order=event.order,
                         data=lambda: {"order": payloads.order_summary(event.order)})


@subscribe(OrderStatusChanged, phase=Phase.IN_TRANSACTION)
def order_status_changed(event: OrderStatusChanged) -> None:
    def data():
        return payloads.status_change(event.order, event.timeline_event)

    webhook_outbox_write(event_type=types.ORDER_STATUS_CHANGED, order=event.order, data=data)
    if event.to_status == OrderStatus.DELIVERED:
        webhook_outbox_write(event_type=types.ORDER_DELIVERED, order=event.order, data=data)
    cancelled_after_shipping = event.action == "cancel_after_shipping"
    if event.to_status == OrderStatus.CANCELLED or cancelled_after_shipping:
        webhook_outbox_write(event_type=types.ORDER_CANCELLED, order=event.order,
                             data=lambda: {**data(), "after_shipping": cancelled_after_shipping})


@subscribe(ShipmentDispatched, phase=Phase.IN_TRANSACTION)
def order_shipped(event: ShipmentDispatched) -> None:
    webhook_outbox_write(event_type=types.ORDER_SHIPPED, order=event.shipment.order,
                         data=lambda: payloads.shipment(event.shipment))


@subscribe(AfterSalesCaseOpened, phase=Phase.IN_TRANSACTION)
def after_sales_opened(event: AfterSalesCaseOpened) -> None:
    webhook_outbox_write(event_type=types.AFTER_SALES_OPENED, order=event.case.order,
                         data=lambda: payloads.after_sales_case(event.case))


@subscribe(PaymentRecorded, phase=Phase.IN_TRANSACTION)
def payment_recorded(event: PaymentRecorded) -> None:
    webhook_outbox_write(event_type=types.PAYMENT_RECORDED, order=event.payment.order,
                         data=lambda: payloads.payment(event.payment))


@subscribe(RefundRecorded, phase=Phase.IN_TRANSACTION)
def refund_recorded(event: RefundRecorded) -> None:
    webhook_outbox_write(event_type=types.REFUND_RECORDED, order=event.refund.order,
                         data=lambda: payloads.refund(event.refund))
