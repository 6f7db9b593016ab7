"""What after-sales announces (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import DomainEvent, event

from .models import AfterSalesCase


@event("after_sales.case_opened")
class AfterSalesCaseOpened(DomainEvent):
    """A case was opened for an order: by staff, by the customer on the tracking page, by an
    abnormal receipt at delivery, or by a cancellation after shipping (a return)."""

    case: AfterSalesCase
    user: object | None
