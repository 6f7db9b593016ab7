"""Celery tasks of the orders app. They take ids and call services."""

from celery import shared_task

from .models import ImportJob


@shared_task(acks_late=True)
def import_validate(job_id: int) -> str:
    from .importing.services import import_job_validate, run_with

    job = ImportJob.objects.get(pk=job_id)
    return run_with(job, import_job_validate).status


@shared_task(acks_late=True)
def import_run(job_id: int) -> str:
    from .importing.services import import_job_run, run_with

    job = ImportJob.objects.get(pk=job_id)
    return run_with(job, import_job_run).status
