from django import template

from ordermgmt.money import format_yuan

register = template.Library()

MONEY_KEYS = {"revenue", "average_order_value"}
RATE_KEYS = {"cancellation_rate", "return_rate", "on_time_rate"}


@register.filter
def percent(value):
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def signed_percent(value):
    if value is None:
        return "—"
    return f"{float(value) * 100:+.1f}%"


@register.filter
def metric(value, key):
    if value is None:
        return "—"
    if key in MONEY_KEYS:
        return format_yuan(value)
    if key in RATE_KEYS:
        return percent(value)
    return value


@register.filter
def get_item(mapping, key):
    return mapping.get(key, []) if mapping else []
