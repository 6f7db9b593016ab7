"""Celery tasks of the orders app: they take ids and call services."""

from celery import shared_task

from .importing.services import import_job_run, import_job_validate, run_with
from .models import ImportJob, Order
from .services import order_auto_review


@shared_task(acks_late=True)
def run_auto_review(order_id: int) -> str:
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return "missing"
    return order_auto_review(order=order, user=None).status


@shared_task(acks_late=True)
def run_auto_review_many(order_ids: list[int]) -> int:
    """The review of a whole batch (an Excel import) as one message; each order in its
    own transaction, so one order's problem does not hold back the others."""
    reviewed = 0
    for order in Order.objects.filter(pk__in=order_ids).order_by("pk"):
        order_auto_review(order=order, user=None)
        reviewed += 1
    return reviewed


@shared_task(acks_late=True)
def import_validate(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    return run_with(job, import_job_validate).status


@shared_task(acks_late=True)
def import_run(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    return run_with(job, import_job_run).status
