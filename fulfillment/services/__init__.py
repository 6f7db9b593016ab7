"""Every write of the fulfillment app goes through a function of this package.

Each runs in one transaction and locks the rows it changes. The order moves only through
``orders.services`` (start/finish production, ship, start transit, deliver); what is not a
state change but matters to the order's history (a partial shipment, a logistics
exception and its resolution, an abnormal receipt) is a note on the order's timeline.
``user=None`` is the system (beat tasks, carrier pushes and polls).

The modules: ``production`` (定制 production orders, withdrawing plans of an edited order),
``warehouse`` (pick → pack → ship), ``shipments`` (logistics events, carrier pushes and
polls), ``delivery_proof`` (签收), ``exceptions`` (延误 and 疑似丢件, 补发 or 赔偿),
``notifications`` (templates and the outbox) and ``tokens`` (carriers' push tokens).
Callers import from ``fulfillment.services``.
"""

from ..carriers.base import CarrierEvent
from .delivery_proof import shipment_sign
from .exceptions import shipment_exception_resolve, shipment_exceptions_detect
from .notifications import (
    DeliveryOutcome,
    notification_deliver,
    notification_resend,
    notification_template_update,
    notifications_create_for_event,
    notifications_queue_direct,
    retry_delay,
)
from .production import (
    StockingResult,
    fulfillment_withdraw,
    production_order_cancel,
    production_order_pass_qc,
    production_order_plan,
    production_order_raise,
    production_order_start,
    production_order_stock,
)
from .shipments import (
    IngestResult,
    carrier_events_ingest,
    carriers_poll,
    shipment_event_record,
)
from .tokens import carrier_issue_token, carrier_token_matches
from .warehouse import (
    clean_tracking_number,
    order_change_warehouse,
    pick_list_cancel,
    pick_list_create,
    pick_list_mark_packed,
    pick_list_mark_picked,
    pick_list_ship,
    pickable_allocations,
)

__all__ = [
    "CarrierEvent", "DeliveryOutcome", "IngestResult", "StockingResult", "carrier_events_ingest",
    "carrier_issue_token", "carrier_token_matches", "carriers_poll", "clean_tracking_number", "fulfillment_withdraw",
    "notification_deliver", "notification_resend", "notification_template_update", "notifications_create_for_event",
    "notifications_queue_direct", "order_change_warehouse",
    "pick_list_cancel", "pick_list_create", "pick_list_mark_packed", "pick_list_mark_picked", "pick_list_ship",
    "pickable_allocations", "production_order_cancel", "production_order_pass_qc", "production_order_plan",
    "production_order_raise", "production_order_start", "production_order_stock", "retry_delay",
    "shipment_event_record", "shipment_exception_resolve", "shipment_exceptions_detect", "shipment_sign",
]
