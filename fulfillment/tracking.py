"""The customer's view of an order: signed links and masking of personal data."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "fulfillment.tracking-link"


def tracking_token(order) -> str:
    return signing.dumps({"n": order.number}, salt=_SALT, compress=True)


def order_number_from_token(token: str) -> str | None:
    """The order number in a valid, unexpired token; ``None`` for anything else."""
    try:
        data = signing.loads(
            token, salt=_SALT, max_age=timedelta(days=settings.TRACKING_LINK_MAX_AGE_DAYS)
        )
    except signing.BadSignature:
        return None
    number = data.get("n") if isinstance(data, dict) else None
    return number if isinstance(number, str) else None


def tracking_url(order) -> str:
    return settings.SITE_URL + reverse("tracking:signed", args=[tracking_token(order)])


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_address(order) -> str:
    """Province, city and district only; the street address is hidden."""
    return f"{order.ship_province}{order.ship_city}{order.ship_district}****"
