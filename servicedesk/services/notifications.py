"""The staff notification centre: telling users (each by their preference for the kind),
marking read, preferences, and the daily e-mail digest."""

import contextvars
from collections import defaultdict
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from ordermgmt.errors import InvalidInput

from ..models import NotificationPreference, StaffNotification
from ..notice_kinds import KINDS, Delivery


_suppressed = contextvars.ContextVar("staff_notices_suppressed", default=False)


@contextmanager
def staff_notices_suppressed():
    """Nobody is told inside this block (historical demo data: orders placed months ago are
    not news)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def deliveries_for(users, kind: str) -> dict[int, str]:
    """How each user wants to hear of ``kind``: their preference, else the kind's default."""
    chosen = dict(
        NotificationPreference.objects.filter(user__in=[u.pk for u in users], kind=kind).values_list("user", "delivery")
    )
    return {user.pk: chosen.get(user.pk, KINDS[kind].default) for user in users}


def staff_notify(*, users, kind: str, text: str, link: str = "", key: str = "", exclude=None) -> int:
    """Tell ``users`` (inactive ones, ``exclude`` — usually whoever did it — and repeats
    skipped) by their preference. Written in the caller's transaction; the same ``key``
    told again to a user is ignored, so a redelivered event tells nobody twice. Returns how
    many were told."""
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}")
    if _suppressed.get():
        return 0
    skip = getattr(exclude, "pk", None)
    people = {u.pk: u for u in users if u is not None and u.is_active and u.pk != skip}
    if not people:
        return 0
    deliveries = deliveries_for(people.values(), kind)
    rows = [
        StaffNotification(recipient_id=pk, kind=kind, text=text[:300], link=link[:200], key=key[:80],
                          delivery=deliveries[pk])
        for pk in sorted(people)
        if deliveries[pk] != Delivery.OFF
    ]
    StaffNotification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def notification_mark_read(*, notification: StaffNotification, user) -> StaffNotification:
    """Only one's own notifications; marking one twice keeps the first time."""
    if notification.recipient_id != user.pk:
        raise InvalidInput("这不是您的通知")
    StaffNotification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db()
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    return StaffNotification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notification_preferences_update(*, user, choices: dict[str, str]) -> None:
    """``choices``: {kind: delivery} for the kinds the user set on the settings page."""
    problems = [kind for kind, delivery in choices.items() if kind not in KINDS or delivery not in Delivery.values]
    if problems:
        raise InvalidInput("通知设置无效：" + "、".join(problems))
    for kind, delivery in choices.items():
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})


def notification_digests_send(*, now=None) -> int:
    """The daily digest (Celery beat): each user's notifications chosen as 每日邮件汇总 and not
    yet mailed, in one e-mail; each user's batch commits on its own. Returns the e-mails sent."""
    now = now or timezone.now()
    pending = defaultdict(list)
    for notification in (
        StaffNotification.objects.filter(delivery=Delivery.DIGEST, emailed_at__isnull=True)
        .select_related("recipient").order_by("recipient", "created_at", "id")
    ):
        pending[notification.recipient].append(notification)
    sent = 0
    for user, notifications in pending.items():
        if user.email and _send_digest(user, notifications, now):
            sent += 1
    return sent


@transaction.atomic
def _send_digest(user, notifications: list[StaffNotification], now) -> bool:
    ids = [n.pk for n in notifications]
    claimed = StaffNotification.objects.select_for_update(skip_locked=True).filter(pk__in=ids, emailed_at__isnull=True)
    rows = list(claimed.order_by("created_at", "id"))
    if not rows:
        return False
    lines = [f"{timezone.localtime(n.created_at):%m-%d %H:%M} [{KINDS[n.kind].label}] {n.text}"
             + (f"\n    {settings.SITE_URL}{n.link}" if n.link else "") for n in rows]
    name = (user.get_full_name() or "").strip() or user.get_username()
    body = f"{name}，您好：\n\n以下是您的通知汇总（共 {len(rows)} 条）：\n\n" + "\n".join(lines) + "\n\n在通知设置中可以修改接收方式。"
    EmailMessage(subject=f"【订单平台】每日通知汇总（{len(rows)} 条）", body=body,
                 from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]).send()
    StaffNotification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=now)
    return True
