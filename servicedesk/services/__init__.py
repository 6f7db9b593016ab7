"""Every write of the service desk goes through a function of this package.

Each runs in one transaction and locks the rows it changes. A complaint's step locks the
complaint, fires its django-fsm transition (which only guards and changes the status),
saves, and records one entry on the complaint's timeline and, for a complaint about an
order, one note on the order's (``orders.events.record_event``) — from which fulfillment
tells the customer of the resolution. Staff notifications are rows written in the same
transaction. ``user=None`` is the system (beat sweeps) or, where a function says so, the
customer on the public pages.

The modules: ``complaints`` (open → 回访, escalation, the overdue sweep), ``resolutions``
(after-sales case, goodwill refund with approval, note to the sales owner), ``categories``,
``monitoring`` (stage flags) and ``notifications`` (the staff notification centre).
"""

from .categories import category_create, category_improvement_update, category_update
from .complaints import (
    ComplaintInput,
    complaint_assign,
    complaint_attach,
    complaint_close,
    complaint_confirm,
    complaint_escalate,
    complaint_follow_up,
    complaint_open,
    complaint_propose,
    complaint_reopen,
    complaint_start,
    complaints_flag_overdue,
)
from .monitoring import stage_flags_refresh
from .notifications import (
    notification_digests_send,
    notification_mark_read,
    notification_preferences_update,
    notifications_mark_all_read,
    staff_notices_suppressed,
    staff_notify,
)
from .resolutions import (
    complaint_note_to_owner,
    complaint_open_after_sales,
    goodwill_approve,
    goodwill_decline,
    goodwill_request,
)

__all__ = [
    "ComplaintInput", "category_create", "category_improvement_update", "category_update", "complaint_assign",
    "complaint_attach", "complaint_close", "complaint_confirm", "complaint_escalate", "complaint_follow_up",
    "complaint_note_to_owner", "complaint_open", "complaint_open_after_sales", "complaint_propose",
    "complaint_reopen", "complaint_start", "complaints_flag_overdue", "goodwill_approve", "goodwill_decline",
    "goodwill_request", "notification_digests_send", "notification_mark_read", "notification_preferences_update",
    "notifications_mark_all_read", "staff_notices_suppressed", "stage_flags_refresh", "staff_notify",
]
