"""What purchasing announces (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import DomainEvent, event


@event("purchasing.qualification_expiring")
class SupplierQualificationExpiring(DomainEvent):
    """A supplier's qualification document expires soon (or has expired): whoever buys from
    the supplier should get a renewed one before it blocks the next purchase order."""

    qualification: object
    days_left: int
    # "window" (entered the warning window), "week" (7 days or fewer), "expired": each told once.
    stage: str


@event("purchasing.order_awaiting_approval")
class PurchaseOrderAwaitingApproval(DomainEvent):
    """A purchase order above the approval amount waits for a 主管."""

    purchase_order: object
