"""The customer's signed link to a complaint (sent with its answer): it opens the complaint's
public page, where the customer confirms the resolution or says it is not solved."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "servicedesk.complaint-link"


def complaint_token(complaint) -> str:
    return signing.dumps({"c": complaint.number}, salt=_SALT, compress=True)


def complaint_number_from_token(token: str) -> str | None:
    """The complaint number in a valid, unexpired token; ``None`` for anything else."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=timedelta(days=settings.TRACKING_LINK_MAX_AGE_DAYS))
    except signing.BadSignature:
        return None
    number = data.get("c") if isinstance(data, dict) else None
    return number if isinstance(number, str) else None


def complaint_url(complaint) -> str:
    return settings.SITE_URL + reverse("tracking:complaint", args=[complaint_token(complaint)])
