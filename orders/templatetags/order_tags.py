from django import template

from ..workflow import QUEUE_PRIORITY

register = template.Library()


@register.simple_tag
def queue_order_explanation() -> str:
    """How the order queues are sorted, written from the table that defines the priority score."""
    return QUEUE_PRIORITY.explanation()
