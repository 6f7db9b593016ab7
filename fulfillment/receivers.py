"""What fulfillment does when an order changes (see ``ordermgmt.domain_events``). All of it
runs inside the order's transaction: it must stand or fall with the change."""

from ordermgmt.domain_events import Phase, batch_handler_for, subscribe
from orders.domain_events import OrderApproved, OrderReopenedForReview, OrdersAnonymised, TimelineEventRecorded

from .personal_data import erase_notices_and_receipts_of_orders
from .services import fulfillment_withdraw, production_order_raise
from .services.notifications import notifications_queue_for_event, notifications_queue_for_events


@subscribe(OrderApproved, phase=Phase.IN_TRANSACTION)
def raise_production_orders(event: OrderApproved) -> None:
    """定制 goods are made for the order: production orders for what stock does not cover."""
    if event.order.is_custom:
        production_order_raise(order=event.order, user=None)


@subscribe(OrderReopenedForReview, phase=Phase.IN_TRANSACTION)
def withdraw_what_was_prepared(event: OrderReopenedForReview) -> None:
    """Production orders and pick lists made for the approved content; raises (and so
    refuses the edit) once something has shipped."""
    fulfillment_withdraw(order=event.order, user=event.user)


@subscribe(TimelineEventRecorded, phase=Phase.IN_TRANSACTION)
def queue_customer_notices(event: TimelineEventRecorded) -> None:
    """The customer hears of the steps that matter to them; the outbox rows are written in
    the order's transaction and sent by Celery after commit."""
    notifications_queue_for_event(event=event.timeline_event)


@batch_handler_for(queue_customer_notices)
def queue_customer_notices_for_many(events: list[TimelineEventRecorded]) -> None:
    """The same notices for a batch of orders (an import, a reviewed backlog), written at once."""
    notifications_queue_for_events(events=[event.timeline_event for event in events])


@subscribe(OrdersAnonymised, phase=Phase.IN_TRANSACTION)
def erase_notices_and_receipts_of_anonymised_orders(event: OrdersAnonymised) -> None:
    """The orders' keeping time is over: the notices sent about them and who signed for the
    goods go with the receiver's data, in the same transaction."""
    erase_notices_and_receipts_of_orders(event.order_ids)
