"""Closed accounting periods, as seen from below: a financial record (a payment, a refund, an
invoice) dated in a closed month may not change. Which months are closed is finance's
business (above every app that writes money); the apps below only ask, through the guards
finance registers at start-up (``FinanceConfig.ready``) — an inverted dependency.

A guard is ``fn(*, on: date, what: str) -> None`` raising ``PeriodClosed`` when the date is
in a closed period. With no guard registered (finance not installed) every date is open."""

from collections.abc import Callable
from datetime import date, datetime

from django.utils import timezone

from .errors import BusinessError

_guards: dict[str, Callable[..., None]] = {}


class PeriodClosed(BusinessError):
    """The record's date falls in a closed accounting period."""


def register_period_guard(fn: Callable[..., None]) -> None:
    """Registered once per function (a second registration of the same one replaces it)."""
    _guards[f"{fn.__module__}.{fn.__qualname__}"] = fn


def assert_period_open(*, on: date | datetime, what: str) -> None:
    """Refuse ``what`` (``"收款"``, ``"开票"``…) dated ``on`` if its period is closed."""
    if isinstance(on, datetime):
        on = timezone.localtime(on).date() if timezone.is_aware(on) else on.date()
    for guard in _guards.values():
        guard(on=on, what=what)
