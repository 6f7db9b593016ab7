"""Celery tasks of the orders app: they take ids and call services."""

from celery import shared_task

from ordermgmt.queueing import enqueue

from .importing.services import import_job_run, import_job_validate, run_with
from .models import ImportJob
from .services import (
    orders_allocate_if_waiting,
    orders_review_backlog,
    orders_review_batch,
    retention_apply,
)

# Orders another transaction held are tried again this many times, then waited for.
SKIPPED_RETRIES = 5


@shared_task(acks_late=True)
def run_auto_review(order_id: int, attempt: int = 0) -> str:
    """The automatic review of an order just entered, edited or resubmitted (queued on
    commit); a redelivered message finds it reviewed and does nothing."""
    reviewed = _review(run_auto_review, [order_id], attempt)
    return reviewed[0].status if reviewed else "not awaiting review"


@shared_task(acks_late=True)
def run_auto_review_many(order_ids: list[int], attempt: int = 0) -> int:
    """The review of a whole batch (an Excel import, the API's batch) as one message: the
    batch path, a few hundred orders per transaction."""
    return len(_review(run_auto_review_many, order_ids, attempt))


def _review(task, order_ids: list[int], attempt: int) -> list:
    """Orders someone else held are tried again a moment later (nothing is left to do if
    it was another worker reviewing them); after a few tries the review waits for the lock."""
    result = orders_review_batch(order_ids=order_ids, wait_for_locks=attempt >= SKIPPED_RETRIES)
    if result.skipped:
        enqueue(task.name, result.skipped, attempt + 1, countdown=2 ** attempt)
    return result.orders


@shared_task(acks_late=True)
def review_backlog(limit: int = 250) -> int:
    """Drain the orders waiting for their automatic review, ``limit`` per transaction,
    until none is left. Several workers may run it at once: each claims different orders
    (SKIP LOCKED)."""
    reviewed = 0
    while batch := orders_review_backlog(limit=limit):
        reviewed += len(batch)
    return reviewed


@shared_task(acks_late=True)
def allocate_orders_if_waiting(order_ids: list[int]) -> list[str]:
    """Orders a receipt could not allocate because another transaction held them."""
    return orders_allocate_if_waiting(order_ids=order_ids)


@shared_task(acks_late=True)
def import_validate(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    return run_with(job, import_job_validate).status


@shared_task(acks_late=True)
def import_run(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    return run_with(job, import_job_run).status


@shared_task(acks_late=True)
def apply_retention() -> dict:
    """Monthly: personal data past its keeping time anonymised (the 主管's dry run shows it
    first); counts logged by the service and returned for the task's result."""
    run = retention_apply(user=None)
    return {"run": run.pk, "orders": run.orders, "customers": run.customers}
