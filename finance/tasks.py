"""Celery tasks of the finance app: they take ids and call services."""

from celery import shared_task

from .models import StatementDispatch
from .services import statement_dispatch_deliver


@shared_task(acks_late=True)
def send_statement(dispatch_id: int) -> str:
    return statement_dispatch_deliver(dispatch=StatementDispatch.objects.get(pk=dispatch_id)).state
