from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ordermgmt.money import format_yuan
from ordermgmt.panels import panel_contexts

register = template.Library()

_STATUS_TONES = {
    "pending_review": "warn",
    "rejected": "danger",
    "approved": "info",
    "allocated": "info",
    "in_production": "info",
    "shipped": "info",
    "in_transit": "info",
    "delivered": "ok",
    "completed": "ok",
    "cancelled": "muted",
    "after_sales": "warn",
}


@register.filter
def yuan(value):
    return format_yuan(value)


@register.filter
def status_tone(status):
    return _STATUS_TONES.get(str(status), "info")


@register.filter
def age(value):
    """How long ago, in days and hours (for queue waiting times)."""
    if not value:
        return ""
    delta = timezone.now() - value
    days, hours = delta.days, delta.seconds // 3600
    if days:
        return _("%(days)s天%(hours)s小时") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s小时") % {"hours": hours}
    return _("%(minutes)s分钟") % {"minutes": max(delta.seconds // 60, 1)}


@register.simple_tag(takes_context=True)
def page_url(context, page_number):
    query = context.get("query_string", "")
    return f"?{query + '&' if query else ''}page={page_number}"


@register.filter
def person(user):
    """A user's display name (full name, else username), or “—”."""
    if not user:
        return "—"
    return (user.get_full_name() or "").strip() or user.get_username()


@register.filter
def days_since(value):
    if not value:
        return ""
    return (timezone.now() - value).days


@register.simple_tag(takes_context=True)
def panels(context, slot, **objects):
    """``{% panels "order_detail" order=order %}``: the panels higher apps registered for
    this slot (see ordermgmt/panels.py), rendered in order with the page's context."""
    request = context.get("request")
    parts = []
    for panel, panel_context in panel_contexts(slot, request, **objects):
        with context.push(**objects, **panel_context):
            parts.append(context.template.engine.get_template(panel.template).render(context))
    return mark_safe("".join(parts))
