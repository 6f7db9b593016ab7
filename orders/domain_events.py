"""What the orders app announces (see ``ordermgmt.domain_events``). Higher apps subscribe
in their ``AppConfig.ready()``; the order services publish inside their transaction and
know nothing of the listeners."""

from ordermgmt.domain_events import DomainEvent, event

from .models import Order, OrderEvent, Payment, Refund


@event("order.created")
class OrderCreated(DomainEvent):
    """An order was entered (portal, Excel import, API) and is waiting for review."""

    order: Order
    user: object | None


@event("order.timeline_recorded")
class TimelineEventRecorded(DomainEvent):
    """An entry was written on an order's timeline (a state change or a note)."""

    timeline_event: OrderEvent


@event("order.status_changed")
class OrderStatusChanged(DomainEvent):
    """An order moved from one state to another; ``timeline_event`` is the entry recording it."""

    order: Order
    timeline_event: OrderEvent
    from_status: str
    to_status: str
    action: str
    user: object | None


@event("order.approved")
class OrderApproved(DomainEvent):
    """Approved (by a reviewer or by the automatic review); a 定制 order now needs its goods made."""

    order: Order
    user: object | None


@event("order.reopened_for_review")
class OrderReopenedForReview(DomainEvent):
    """An edit changed what was approved (lines, prices, customer, address, invoice): whatever
    was prepared for the approved content must be withdrawn before the stock is released.
    A listener that cannot withdraw (something already shipped) refuses the edit by raising."""

    order: Order
    user: object | None


@event("payment.recorded")
class PaymentRecorded(DomainEvent):
    payment: Payment
    user: object | None


@event("refund.recorded")
class RefundRecorded(DomainEvent):
    refund: Refund
    user: object | None


@event("refund.awaiting_approval")
class RefundAwaitingApproval(DomainEvent):
    """A refund waits for 财务's approval (above the policy amount, or to another account
    than the customer paid from); it counts once approved (then RefundRecorded)."""

    refund: Refund
    user: object | None


@event("order.personal_data_anonymised")
class OrdersAnonymised(DomainEvent):
    """The receivers' personal data of these orders was anonymised (retention period over);
    the apps holding more of it about the same orders (notices sent, signatures) blank theirs."""

    order_ids: tuple[int, ...]
