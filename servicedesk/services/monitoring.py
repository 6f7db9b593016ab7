"""Stage flags: raised by the beat sweep for orders past their stage's threshold (stages.py),
cleared when the order moves on or no longer qualifies; whoever owns the order or works on
its stage is told."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ordermgmt.language import in_platform_language
from orders.models import Order

from .. import notice_kinds as kinds
from ..audience import order_people, stage_handlers
from ..models import StageFlag
from ..stages import STAGE_RULES, Candidate, stage_candidates
from .notifications import staff_notify


@in_platform_language
@transaction.atomic
def stage_flags_refresh(*, now: datetime | None = None) -> tuple[int, int]:
    """Raise a flag for every order newly past its stage's rule, clear those that no longer
    are. Returns (raised, cleared).

    The sweep is the only writer of flags: an order's move costs nothing here. A flag whose
    order has moved on stops counting at once (``selectors.current_flags``: its stage is no
    longer the order's) and is stamped cleared by the next sweep."""
    now = now or timezone.now()
    open_flags = {(flag.order_id, flag.stage): flag for flag in StageFlag.objects.filter(cleared_at__isnull=True)}
    raised, watched = 0, set()
    for rule in STAGE_RULES:
        candidates = stage_candidates(rule, now)
        for order_id, candidate in candidates.items():
            watched.add((order_id, rule.stage))
            if (order_id, rule.stage) not in open_flags:
                raised += _raise(order_id, rule.stage, candidate, now)
    stale = [flag.pk for key, flag in open_flags.items() if key not in watched]
    cleared = StageFlag.objects.filter(pk__in=stale).update(cleared_at=now)
    return raised, cleared


def _raise(order_id: int, stage: str, candidate: Candidate, now: datetime) -> int:
    try:
        with transaction.atomic():
            flag = StageFlag.objects.create(order_id=order_id, stage=stage, since=candidate.since,
                                            detail=candidate.detail[:300], flagged_at=now)
    except IntegrityError:  # raised meanwhile by a concurrent sweep
        return 0
    order = Order.objects.select_related("owner", "created_by").get(pk=order_id)
    staff_notify(users=order_people(order) | stage_handlers(order), kind=kinds.STAGE_FLAG,
                 link=reverse("orders:detail", args=[order.number]),
                 text=f"订单 {order.number} {flag.detail}", key=f"stage_flag:{flag.pk}")
    return 1

