"""Celery tasks of purchasing: they call services. Scheduled in ``settings.CELERY_BEAT_SCHEDULE``."""

from celery import shared_task

from .services import qualifications_warn_expiring, replenishment_propose


@shared_task(ignore_result=True)
def warn_expiring_qualifications() -> int:
    """Every morning: supplier qualifications about to expire (or expired) are announced."""
    return qualifications_warn_expiring()


@shared_task(ignore_result=True)
def propose_replenishment() -> int:
    """Every morning: products below their reorder point get a replenishment proposal."""
    return len(replenishment_propose())
