"""Reads of the service desk shared by its views, panels and the reports above it."""

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from customers.selectors import customer_visibility
from ordermgmt.encryption import phone_blind_index
from orders.models import Order

from .models import (
    BEING_HANDLED,
    OPEN,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    GoodwillRefund,
    GoodwillStatus,
    StageFlag,
    StaffNotification,
)
from .notice_kinds import Delivery
from .stages import STAGE_RULES

QUEUE_VIEWS = ("mine", "unassigned", "escalated", "overdue", "open", "all")


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """The complaints of the customers a user may see (a 销售专员: their own and unassigned
    ones, ``customers.selectors.customer_visibility``) and of the orders they own."""
    condition = customer_visibility(user, through="customer__")
    complaints = Complaint.objects.all()
    return complaints if condition is None else complaints.filter(condition | Q(order__owner_id=user.pk))


def complaint_queue(*, user, view: str = "open", query: str = "", channel: str = "", category: str = "") -> QuerySet:
    """Complaints for the desk: overdue first, then by due time (ended ones newest first)."""
    complaints = complaints_visible_to(user).select_related("customer", "order", "category", "assignee")
    now = timezone.now()
    if view == "mine":
        complaints = complaints.filter(assignee=user, status__in=OPEN)
    elif view == "unassigned":
        complaints = complaints.filter(assignee__isnull=True, status__in=OPEN)
    elif view == "escalated":
        complaints = complaints.filter(escalated_at__isnull=False, status__in=OPEN)
    elif view == "overdue":
        complaints = complaints.filter(status__in=BEING_HANDLED).filter(
            Q(due_at__lt=now) | Q(status=ComplaintStatus.ACCEPTED, respond_due_at__lt=now))
    elif view != "all":
        complaints = complaints.filter(status__in=OPEN)
    if channel:
        complaints = complaints.filter(channel=channel)
    if category:
        complaints = complaints.filter(category_id=category)
    query = (query or "").strip()
    if query:
        complaints = complaints.filter(
            Q(number__icontains=query) | Q(order__number__startswith=query) | Q(customer__name__icontains=query)
            | Q(customer__code__iexact=query) | Q(contact_phone_index=phone_blind_index(query))
        )
    if view == "all":
        return complaints.order_by("-created_at", "-id")
    return complaints.order_by(F("overdue_since").asc(nulls_last=True), "due_at", "id")


def complaint_detail(number: str, *, visible_to) -> Complaint:
    return (
        complaints_visible_to(visible_to).select_related("customer", "order", "category", "subcategory", "assignee", "created_by",
                                         "product", "after_sales_case", "sales_owner")
        .prefetch_related("events", "attachments", "goodwill_refunds__requested_by", "goodwill_refunds__decided_by")
        .get(number=number)
    )


def pending_goodwill() -> QuerySet[GoodwillRefund]:
    return GoodwillRefund.objects.filter(status=GoodwillStatus.PENDING).select_related(
        "complaint", "complaint__customer", "requested_by")


def active_categories() -> list[ComplaintCategory]:
    return list(ComplaintCategory.objects.filter(is_active=True, parent__isnull=True).prefetch_related("children"))


def order_complaints(order: Order) -> list[Complaint]:
    return list(order.complaints.select_related("category", "assignee").order_by("-created_at"))


def customer_complaints(customer) -> QuerySet[Complaint]:
    return customer.complaints.select_related("category", "order").order_by("-created_at")


def open_complaints_of(order: Order) -> list[Complaint]:
    return list(order.complaints.filter(status__in=OPEN).select_related("assignee").order_by("created_at"))


# --- stage monitoring ---------------------------------------------------------------------

def current_flags() -> QuerySet[StageFlag]:
    """The flags that stand: open, and on the stage their order is still at (a flag whose
    order moved on is stamped cleared by the next sweep, and stops counting at once)."""
    return StageFlag.objects.filter(cleared_at__isnull=True, stage=F("order__status"))


def monitoring_board(*, stage: str = "") -> list[dict]:
    """Open flags by stage (in the order of the stages), the longest waiting first."""
    flags = current_flags().select_related(
        "order", "order__customer", "order__owner").order_by("since", "id")
    if stage:
        flags = flags.filter(stage=stage)
    by_stage: dict[str, list] = {}
    for flag in flags:
        by_stage.setdefault(flag.stage, []).append(flag)
    return [
        {"rule": rule, "label": rule.label, "limit": rule.limit_text(), "flags": by_stage.get(rule.stage, [])}
        for rule in STAGE_RULES if not stage or rule.stage == stage
    ]


def flag_counts_by_stage() -> dict[str, int]:
    rows = current_flags().values("stage").annotate(n=Count("id"))
    return {row["stage"]: row["n"] for row in rows}


def open_flag_of(order: Order) -> StageFlag | None:
    return current_flags().filter(order=order).order_by("-flagged_at").first()


# --- staff notifications ----------------------------------------------------------------------

def unread_count(user) -> int:
    return StaffNotification.objects.filter(recipient=user, read_at__isnull=True, delivery=Delivery.PORTAL).count()


def notifications_of(user, *, unread_only: bool = False) -> QuerySet[StaffNotification]:
    notifications = StaffNotification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")
