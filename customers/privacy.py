"""Who sees a customer's full contact details, and the masked form everyone else sees.

One rule for the whole portal: a user with ``customers.view_full_contact`` (granted in
ordermgmt/roles.py to the jobs that call, write to or deliver to the customer) sees the
phone, e-mail and street address in full; everyone else sees them masked. Every page,
print, JSON answer and export that shows a contact goes through ``shown_contact`` —
a place that renders ``phone``/``email``/``street`` itself bypasses the rule.
"""

import time
from dataclasses import dataclass

from .phones import mask_phone

FULL_CONTACT_PERMISSION = "customers.view_full_contact"
HIDDEN_STREET = "****"


@dataclass(frozen=True)
class ContactDetails:
    """The personal part of a contact as stored (an order's receiver, a customer's contact
    or address); a source fills in what it has."""

    phone: str = ""
    email: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""


@dataclass(frozen=True)
class ShownContact:
    """What one user may see of a contact: either all of it, or all of it masked."""

    phone: str
    email: str
    street: str
    address: str
    full: bool


def sees_full_contact(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(FULL_CONTACT_PERMISSION))


def mask_email(email: str) -> str:
    """``nana@example.com`` → ``n***@example.com``."""
    local, at, domain = (email or "").partition("@")
    if not at:
        return "*" * len(local) if local else ""
    return f"{local[:1]}***@{domain}"


def masked_address(*, province: str, city: str, district: str, street: str) -> str:
    """Province, city and district; the street is hidden."""
    return f"{province}{city}{district}{HIDDEN_STREET if street else ''}"


def shown_contact(user, details: ContactDetails, *, revealed: bool = True) -> ShownContact:
    """``revealed=False`` on the record pages (a customer, an order), where even a permitted
    user sees the masked form until they press 显示完整信息 (logged, ``contact_revealed``);
    work outputs (prints, desks, exports) keep the default."""
    region = f"{details.province}{details.city}{details.district}"
    if revealed and sees_full_contact(user):
        return ShownContact(phone=details.phone, email=details.email, street=details.street,
                            address=region + details.street, full=True)
    return ShownContact(
        phone=mask_phone(details.phone),
        email=mask_email(details.email),
        street=HIDDEN_STREET if details.street else "",
        address=masked_address(province=details.province, city=details.city, district=details.district,
                               street=details.street),
        full=False,
    )


# How long a record's contact stays in full after 显示完整信息, in this browser session.
REVEAL_SECONDS = 10 * 60
_REVEALED_SESSION_KEY = "revealed_contacts"


def _reveal_key(kind: str, record_id: int) -> str:
    return f"{kind}:{record_id}"


def contact_reveal_remember(session, *, kind: str, record_id: int) -> None:
    """Show this record's contact in full to this session for ``REVEAL_SECONDS`` (the access
    itself is logged by ``personal_data_access_record``); expired entries are dropped."""
    now = time.time()
    revealed = {key: until for key, until in session.get(_REVEALED_SESSION_KEY, {}).items() if until > now}
    revealed[_reveal_key(kind, record_id)] = now + REVEAL_SECONDS
    session[_REVEALED_SESSION_KEY] = revealed


def contact_revealed(request, *, kind: str, record_id: int) -> bool:
    """Whether the record page shows its contact in full: a permitted user who pressed
    显示完整信息 on this very record less than ``REVEAL_SECONDS`` ago."""
    if not sees_full_contact(getattr(request, "user", None)):
        return False
    until = request.session.get(_REVEALED_SESSION_KEY, {}).get(_reveal_key(kind, record_id), 0)
    return until > time.time()


# Fields of customer records (customers, contacts, addresses) that identify a person, and how
# a user without ``view_full_contact`` sees their values in a record's history.
_MASKED_IN_HISTORY = {
    "phone": mask_phone,
    "email": mask_email,
    "detail": lambda street: HIDDEN_STREET,
    "bank_account": lambda account: f"****{account[-4:]}",
}


def shown_history_value(user, field: str, value: str) -> str:
    mask = _MASKED_IN_HISTORY.get(field)
    if mask is None or sees_full_contact(user):
        return value
    return mask(value)
