"""Domain events: a lower app announces what happened, a higher app reacts.

Apps depend one way (ordermgmt ← customers ← inventory ← orders ← fulfillment ← aftersales
← integrations ← servicedesk ← reports). When something a higher app cares about happens in a lower one —
an order is approved, goods are received, a delivery is signed for with damage — the lower
app *publishes* an event and knows nothing of who listens. Higher apps *subscribe* in their
``AppConfig.ready()``.

An event is a frozen dataclass deriving from ``DomainEvent`` (its fields are the payload;
model instances are allowed). Each subscription chooses when it runs:

``IN_TRANSACTION``
    Synchronously, inside the publisher's transaction, right where ``publish`` is called.
    The listener's writes commit or roll back with the change that caused them, and an
    exception in the listener rolls the whole change back (the clerk sees its message).
    For work that must be atomic with the change: production orders raised with an
    approval, pick lists withdrawn by an edit that reopens review, outbox rows of customer
    notices and webhooks, an after-sales case opened by a damaged delivery.

``AFTER_COMMIT``
    Later, by a Celery worker, once the publisher's transaction has committed. ``publish``
    writes one ``EventDelivery`` row per such listener *in the publisher's transaction*, so
    the work can't be lost: if the broker is down, or a worker dies half-way, the row stays
    and ``redeliver_due_events`` (Celery beat, every minute) hands it out again; a failing
    listener is retried with a doubling wait and, after the last attempt, shows as failed on
    the 事件投递 page with a button to try again. Delivery is at least once: such listeners
    must be idempotent. For work that may lag and may take long: allocating the orders
    that waited for goods just received.

Batches: a service that changes many orders at once (an Excel import, a review of a whole
backlog) publishes all its events with ``publish_all``. Every listener sees every event, in
the order of publication, exactly as if they had been published one by one; a listener
that would otherwise query per event may register a *batch handler* for its subscription
(``@batch_handler_for(listener)``), which ``publish_all`` calls once with all the events
meant for it, after the listeners without one. After-commit deliveries of a batch are
written with one statement.

The table of events and listeners is in the README ("Domain events").
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import ClassVar

from django.apps import apps
from django.db import models, transaction

from .models import EventDelivery
from .queueing import enqueue

logger = logging.getLogger(__name__)


class Phase(str, Enum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """Base of every event. Subclasses set ``name`` (dotted, e.g. ``order.approved``)."""

    name: ClassVar[str] = ""


@dataclasses.dataclass(frozen=True)
class Subscription:
    event_type: type[DomainEvent]
    handler: Callable[[DomainEvent], None]
    phase: Phase
    # The same work for a list of events (``publish_all``), in one go; None: one call per event.
    batch_handler: Callable[[list[DomainEvent]], None] | None = None

    @property
    def listener(self) -> str:
        """A stable name for the delivery rows: ``module.function``."""
        name = getattr(self.handler, "__qualname__", type(self.handler).__qualname__)  # a function or a callable
        return f"{self.handler.__module__}.{name}"


_subscriptions: dict[type[DomainEvent], list[Subscription]] = defaultdict(list)
_event_types: dict[str, type[DomainEvent]] = {}


def event(name: str):
    """Class decorator: a frozen dataclass event registered under ``name``."""

    def register(cls):
        cls = dataclasses.dataclass(frozen=True)(cls)
        cls.name = name
        if name in _event_types and _event_types[name] is not cls:
            raise ValueError(f"Two domain events are named {name!r}")
        _event_types[name] = cls
        return cls

    return register


def subscribe(event_type: type[DomainEvent], *, phase: Phase):
    """Decorator for a listener: ``@subscribe(OrderApproved, phase=Phase.IN_TRANSACTION)``.
    Subscribing the same function twice (``ready()`` run again in tests) has no effect."""

    def register(handler):
        subscription = Subscription(event_type, handler, Phase(phase))
        if all(s.listener != subscription.listener for s in _subscriptions[event_type]):
            _subscriptions[event_type].append(subscription)
        return handler

    return register


def batch_handler_for(listener):
    """Decorator: ``batch(events)`` does for a list of events what the in-transaction
    ``listener`` does for each; ``publish_all`` then calls it once per publication."""

    def register(batch):
        for event_type, group in _subscriptions.items():
            for index, subscription in enumerate(group):
                if subscription.handler is listener:
                    if subscription.phase is not Phase.IN_TRANSACTION:
                        raise ValueError("Only an in-transaction listener has a batch handler")
                    group[index] = dataclasses.replace(subscription, batch_handler=batch)
        return batch

    return register


def unsubscribe(event_type: type[DomainEvent], handler) -> None:
    _subscriptions[event_type] = [s for s in _subscriptions[event_type] if s.handler is not handler]


def subscriptions(event_type: type[DomainEvent] | None = None) -> list[Subscription]:
    if event_type is not None:
        return list(_subscriptions.get(event_type, ()))
    return [s for group in _subscriptions.values() for s in group]


def event_types() -> dict[str, type[DomainEvent]]:
    return dict(_event_types)


def publish(domain_event: DomainEvent) -> None:
    """Run the in-transaction listeners now; record and queue the after-commit ones.

    Call it inside the transaction of the change the event describes."""
    listeners = _subscriptions.get(type(domain_event), ())
    for subscription in listeners:
        if subscription.phase is Phase.IN_TRANSACTION:
            subscription.handler(domain_event)
    later = [s for s in listeners if s.phase is Phase.AFTER_COMMIT]
    if later:
        _record_deliveries(domain_event, later)


def publish_all(domain_events: list[DomainEvent]) -> None:
    """Publish many events of one change (a batch of orders) at once.

    In-transaction listeners are called for each event in order; those with a batch handler
    instead get, once at the end, the list of the events meant for them (in order).
    The after-commit deliveries of all the events are written with one statement."""
    batches: dict[Subscription, list[DomainEvent]] = {}
    later: list[tuple[DomainEvent, Subscription]] = []
    for domain_event in domain_events:
        for subscription in _subscriptions.get(type(domain_event), ()):
            if subscription.phase is Phase.AFTER_COMMIT:
                later.append((domain_event, subscription))
            elif subscription.batch_handler is not None:
                batches.setdefault(subscription, []).append(domain_event)
            else:
                subscription.handler(domain_event)
    for subscription, events in batches.items():
        subscription.batch_handler(events)
    if later:
        _write_deliveries(later)


def _record_deliveries(domain_event: DomainEvent, later: list[Subscription]) -> None:
    _write_deliveries([(domain_event, subscription) for subscription in later])


def _write_deliveries(pairs: list[tuple[DomainEvent, Subscription]]) -> None:
    payloads: dict[int, dict] = {}
    deliveries = EventDelivery.objects.bulk_create(
        EventDelivery(event=domain_event.name, listener=subscription.listener,
                      payload=payloads.setdefault(id(domain_event), encode(domain_event)))
        for domain_event, subscription in pairs
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: dispatch(ids))


def dispatch(delivery_ids: list[int]) -> None:
    """Hand deliveries to Celery. If the broker is down they stay pending and the
    redelivery task hands them out later — the change that caused them has committed."""
    for delivery_id in delivery_ids:
        try:
            enqueue("ordermgmt.deliver_domain_event", delivery_id)
        except Exception:  # noqa: BLE001 - any broker failure; the row keeps the work
            logger.exception("Could not queue event delivery %s; redelivery will retry", delivery_id)


def listener_for(delivery) -> Subscription | None:
    event_type = _event_types.get(delivery.event)
    for subscription in _subscriptions.get(event_type, ()):
        if subscription.listener == delivery.listener:
            return subscription
    return None


# --- payloads as JSON, for the after-commit listeners --------------------------------------
# A model instance is stored as a reference and loaded fresh when the listener runs: the
# listener sees the row as it is then, not as it was when the event was published.

def encode(domain_event: DomainEvent) -> dict:
    return {field.name: _encode_value(getattr(domain_event, field.name)) for field in dataclasses.fields(domain_event)}


def decode(name: str, payload: dict) -> DomainEvent:
    event_type = _event_types[name]
    return event_type(**{key: _decode_value(value) for key, value in payload.items()})


def _encode_value(value):
    if isinstance(value, models.Model):
        return {"$model": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, (set, frozenset)):
        return {"$tuple": [_encode_value(v) for v in sorted(value)]}
    if isinstance(value, tuple):
        return {"$tuple": [_encode_value(v) for v in value]}
    if isinstance(value, list):
        return [_encode_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"A domain event can't carry {type(value).__name__} to an after-commit listener")


def _decode_value(value):
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$model" in value:
        model = apps.get_model(value["$model"])
        return model._default_manager.filter(pk=value["pk"]).first()
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    if "$datetime" in value:
        return datetime.datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return datetime.date.fromisoformat(value["$date"])
    if "$tuple" in value:
        return tuple(_decode_value(v) for v in value["$tuple"])
    return {k: _decode_value(v) for k, v in value.items()}
