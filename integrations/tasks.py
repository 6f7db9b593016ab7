"""Celery tasks: they take ids and call services. Periodic ones are scheduled in
``settings.CELERY_BEAT_SCHEDULE``."""

from celery import shared_task

from . import services


@shared_task(bind=True, name="integrations.deliver_webhook", max_retries=None, acks_late=True, ignore_result=True)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt of a webhook delivery; on failure the next is scheduled after the back-off.

    The attempt count lives in the delivery row, so the schedule holds across worker restarts
    and the delivery log shows every attempt. In eager mode (dev) a failed attempt is not
    retried inline — ``dispatch_due_webhooks`` picks it up when it is due."""
    outcome = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        deliver_webhook.apply_async(args=[delivery_id], countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="integrations.dispatch_due_webhooks", ignore_result=True)
def dispatch_due_webhooks() -> int:
    return services.webhook_deliveries_dispatch_due()


@shared_task(name="integrations.purge_expired", ignore_result=True)
def purge_expired() -> dict:
    return {"idempotency_keys": services.idempotency_keys_purge(), "api_calls": services.api_calls_purge()}
