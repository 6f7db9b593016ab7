from celery import shared_task
from django.utils import timezone

from .event_delivery import event_deliveries_redeliver_due, event_delivery_run


@shared_task(name="ordermgmt.deliver_domain_event", ignore_result=True)
def deliver_domain_event(delivery_id: int) -> None:
    delivery = event_delivery_run(delivery_id=delivery_id)
    if delivery is not None and delivery.status == delivery.Status.PENDING:
        # Retry after the back-off; if this message is lost, redelivery picks the row up.
        wait = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 1)
        deliver_domain_event.apply_async(args=[delivery_id], countdown=wait)


@shared_task(name="ordermgmt.redeliver_due_events", ignore_result=True)
def redeliver_due_events() -> int:
    return event_deliveries_redeliver_due()
