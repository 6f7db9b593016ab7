"""``{% shown_contact order.contact_details as c %}``: the contact as the current user may
see it (``c.phone``, ``c.email``, ``c.street``, ``c.address``), by the one rule in
customers/privacy.py; ``{% shown_contact c.contact_details revealed=contact_revealed as c %}``
on the record pages, which stay masked until 显示完整信息."""

from django import template

from ..phones import mask_phone
from ..privacy import ContactDetails, shown_contact as shown_contact_for

register = template.Library()


@register.filter
def masked(phone):
    """``13812345678`` → ``138****5678`` whoever looks (e.g. rows of an import preview)."""
    return mask_phone(phone or "")


@register.simple_tag(takes_context=True)
def shown_contact(context, details: ContactDetails, revealed: bool = True):
    """``revealed=contact_revealed`` on a record page (masked until 显示完整信息)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return shown_contact_for(user, details, revealed=bool(revealed))
