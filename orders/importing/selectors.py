"""Reads of the import history shared by the views."""

from django.db.models import QuerySet

from ..models import ImportJob


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """A clerk sees the imports they made; whoever may view all import records sees all."""
    jobs = ImportJob.objects.select_related("created_by")
    if user.has_perm("orders.view_importjob"):
        return jobs
    return jobs.filter(created_by=user)
