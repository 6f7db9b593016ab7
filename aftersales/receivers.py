"""What after-sales does when lower apps announce something (see ``ordermgmt.domain_events``).
Both run inside the publisher's transaction: they stand or fall with the change."""

from fulfillment.domain_events import DeliverySignedAbnormal
from ordermgmt.domain_events import Phase, subscribe
from ordermgmt.holidays.domain_events import CalendarChanged

from .services import after_sales_case_open_for_delivery, cases_follow_calendar


@subscribe(CalendarChanged, phase=Phase.IN_TRANSACTION)
def move_due_dates_with_the_calendar(event: CalendarChanged) -> None:
    """The holidays and the due dates counted over them change together."""
    cases_follow_calendar(changes=event.changes)


@subscribe(DeliverySignedAbnormal, phase=Phase.IN_TRANSACTION)
def open_case_for_abnormal_delivery(event: DeliverySignedAbnormal) -> None:
    """破损 / 错发 / 少件 at delivery: a case for the 售后专员, with the photos taken there."""
    after_sales_case_open_for_delivery(proof=event.proof, user=event.user, photos=event.photos)
