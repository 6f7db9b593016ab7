"""The customer's view of an order: signed links and masking of personal data."""

import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext

from customers.phones import mask_phone
from customers.privacy import mask_email, masked_address

from .models import EventKind

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
    return masked_address(province=order.ship_province, city=order.ship_city, district=order.ship_district,
                          street=order.ship_address)


# --- the public timeline -----------------------------------------------------------------------
# An event goes out with these fields only: what happened, when, and where. Notes are free
# text typed by couriers and clerks (签收人, phone numbers, "改送…") and never leave the portal;
# the one note a customer gets is written here from data, masked.

# The last mile happens at the receiver's door: its place is the order's district, not the
# street a courier may have typed.
_AT_THE_DOOR = {EventKind.OUT_FOR_DELIVERY, EventKind.DELIVERED}
_EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_LIKE = re.compile(r"(?:\+?86[-\s]?)?\d(?:[-\s]?\d){6,}")


def scrub(text: str, *, personal: list[str]) -> str:
    """Mask the order's own personal values and anything shaped like a phone or e-mail."""
    for value in sorted({v for v in personal if v and len(v) > 1}, key=len, reverse=True):
        text = text.replace(value, mask_name(value))
    text = _EMAIL_LIKE.sub(lambda found: mask_email(found.group()), text)
    return _PHONE_LIKE.sub(lambda found: mask_phone(found.group()), text)


def public_event(event, *, order, receiver_name: str = "") -> dict:
    if event.kind in _AT_THE_DOOR:
        place = f"{order.ship_city}{order.ship_district}"
    else:
        personal = [order.contact_name, order.contact_phone, order.contact_email, order.ship_address, receiver_name]
        place = scrub(event.place, personal=personal)
    note = ""
    if event.kind == EventKind.DELIVERED and receiver_name:
        note = gettext("签收人：%(name)s") % {"name": mask_name(receiver_name)}
    return {"kind": event.get_kind_display(), "at": event.occurred_at, "place": place, "note": note}
