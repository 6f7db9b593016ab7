"""Panels: how a page shows what a higher app knows, without importing it.

A page of a lower app (the home page of the platform, the customer page, the order page,
the tracking page) names *slots* in its template: ``{% panels "order_detail" order=order %}``.
A higher app registers panels for a slot in its ``AppConfig.ready()``: a template and a
function that builds the panel's context from the request and the page's objects, or
returns None when the panel has nothing to show to this user. The page renders every
panel of the slot in ``order``; it never learns which apps filled it.

The slots (the page, what is passed, who fills them):

=========================  ==============  ==========================================
slot                       objects passed  panels registered by
=========================  ==============  ==========================================
topbar                     —               servicedesk (the notification bell)
home                       —               reports (dashboard), orders (my queue),
                                           aftersales (case queue, feedback to follow),
                                           servicedesk (complaints, approvals)
home.queue_alerts          —               fulfillment (failed notices, exceptions…),
                                           servicedesk (orders past their threshold)
customer_detail            customer        orders (order history), aftersales (ratings),
                                           servicedesk (complaints), finance (invoicing, receivables,
                                           payment behaviour, credit limit)
order_detail.waiting       order           servicedesk (why the order waits; orders'
                                           own sentence when no panel answers)
order_detail.top           order           fulfillment (production, picking, shipping)
order_detail.below_totals  order           aftersales (cases and feedback),
                                           servicedesk (complaints), finance (invoicing)
tracking_order             order, token    aftersales (requests and ratings),
                                           servicedesk (complaints and confirmation)
=========================  ==============  ==========================================
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    slot: str
    name: str  # unique within the slot; registering the same name again replaces it
    template: str
    context: Callable[..., dict | None]  # (request, **objects) → the panel's context, or None to hide it
    order: int = 100


_panels: dict[str, dict[str, Panel]] = defaultdict(dict)


def register_panel(slot: str, name: str, *, template: str, context: Callable[..., dict | None], order: int = 100) -> None:
    _panels[slot][name] = Panel(slot, name, template, context, order)


def panels_for(slot: str) -> list[Panel]:
    return sorted(_panels.get(slot, {}).values(), key=lambda panel: (panel.order, panel.name))


def panel_contexts(slot: str, request: HttpRequest, **objects) -> list[tuple[Panel, dict]]:
    """The panels of ``slot`` that have something to show, with their context."""
    shown = []
    for panel in panels_for(slot):
        context = panel.context(request, **objects)
        if context is not None:
            shown.append((panel, context))
    return shown
