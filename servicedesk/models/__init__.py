"""The service desk's data: complaints, stage flags and staff notifications."""

from .complaints import (
    ACTION_LABELS,
    BEING_HANDLED,
    ENDED,
    OPEN,
    Channel,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintSequence,
    ComplaintStatus,
    GoodwillRefund,
    GoodwillStatus,
    Satisfaction,
    Severity,
)
from .monitoring import StageFlag
from .notifications import NotificationPreference, StaffNotification

__all__ = [
    "ACTION_LABELS", "BEING_HANDLED", "Channel", "Complaint", "ComplaintAttachment", "ComplaintCategory", "ComplaintEvent",
    "ComplaintSequence", "ComplaintStatus", "ENDED", "GoodwillRefund", "GoodwillStatus", "NotificationPreference",
    "OPEN", "Satisfaction", "Severity", "StageFlag", "StaffNotification",
]
