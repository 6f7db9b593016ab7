"""What every complaint service shares: the role check, the two timelines, firing one
transition, and due times."""

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from ordermgmt import policies
from ordermgmt.errors import ActionForbidden, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.workdays import add_working_time
from orders.events import actor_display_name, record_event
from orders.models import OrderEvent

from ..models import ACTION_LABELS, Complaint, ComplaintEvent, ComplaintStatus
from ..policies import RESOLVE_HOURS, RESPONSE_HOURS

CUSTOMER_ACTOR_NAME = "客户"

# On the order's timeline each step is a note ``complaint_<action>``, except the proposed
# resolution: fulfillment's notice table (NOTE_ACTIONS) tells the customer of that one.
ORDER_NOTE_ACTIONS = {"propose": "complaint_resolved"}


def check(user, permission: str, what: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise ActionForbidden(f"您的角色没有权限{what}")


def complaint_link(complaint: Complaint) -> str:
    return reverse("servicedesk:complaint", args=[complaint.number])


@in_platform_language
def record_step(complaint: Complaint, user, action: str, *, note: str = "", from_status: str = "",
                to_status: str = "", by_customer: bool = False, order_data: dict | None = None,
                at: datetime | None = None) -> ComplaintEvent:
    """One entry on the complaint's timeline (at ``at``, else now) and, for a complaint about an
    order, a note on the order's."""
    actor_name = CUSTOMER_ACTOR_NAME if by_customer else actor_display_name(user)
    entry = ComplaintEvent.objects.create(
        complaint=complaint, action=action, from_status=from_status, to_status=to_status,
        actor=None if by_customer else user, actor_name=actor_name, note=note, created_at=at or timezone.now(),
    )
    if complaint.order_id:
        label = (CUSTOMER_ACTOR_NAME if by_customer else "") + str(ACTION_LABELS.get(action, action))
        record_event(
            order=complaint.order, user=None if by_customer else user, kind=OrderEvent.Kind.NOTE,
            action=ORDER_NOTE_ACTIONS.get(action, f"complaint_{action}"),
            reason=f"投诉 {complaint.number} {label}" + (f"：{note}" if note else ""),
            data={"complaint_number": complaint.number, **(order_data or {})},
        )
    return entry


def lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related("order", "customer").get(pk=complaint.pk)


@in_platform_language
def fire(*, complaint: Complaint, user, action: str, note: str = "", by_customer: bool = False,
         order_data: dict | None = None, **kwargs) -> Complaint:
    """Lock, check that the step is possible now and allowed to ``user`` (the customer —
    ``by_customer`` — needs no role), fire it, save, and record it once on each timeline."""
    locked = lock(complaint)
    method = getattr(locked, action)
    label = str(ACTION_LABELS.get(action, action))
    if not can_proceed(method):
        raise InvalidTransition(f"投诉 {locked.number} 当前为“{locked.get_status_display()}”，不能{label}")
    if not by_customer and user is not None and not has_transition_perm(method, user):
        raise ActionForbidden(f"您的角色没有权限{label}")
    from_status = locked.status
    try:
        method(**kwargs)
    except TransitionNotAllowed as error:
        raise InvalidTransition(f"投诉 {locked.number} 不能{label}") from error
    stamp(locked)
    locked.save()
    record_step(locked, user, action, note=note, from_status=from_status,
                to_status=locked.status if locked.status != from_status else "", by_customer=by_customer,
                order_data=order_data)
    return locked


def stamp(complaint: Complaint) -> None:
    """The time of the step that brought the complaint where it is."""
    now = timezone.now()
    field = {
        ComplaintStatus.AWAITING_CUSTOMER: "proposed_at",
        ComplaintStatus.RESOLVED: "resolved_at",
        ComplaintStatus.FOLLOWED_UP: "followed_up_at",
        ComplaintStatus.CLOSED: "closed_at",
    }.get(complaint.status)
    if field:
        setattr(complaint, field, now)
    if complaint.status != ComplaintStatus.ACCEPTED and complaint.first_response_at is None:
        complaint.first_response_at = now


def due_times(severity: str, start: datetime) -> tuple[datetime, datetime]:
    """(first response due, resolution due): working hours by severity from ``start``."""
    respond = timedelta(hours=policies.get_policy(RESPONSE_HOURS[severity]))
    resolve = timedelta(hours=policies.get_policy(RESOLVE_HOURS[severity]))
    return add_working_time(start, respond), add_working_time(start, resolve)
