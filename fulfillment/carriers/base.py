"""The common shape of a carrier's logistics event, its parsing from JSON, and the poller
interface. Whatever the source, an event becomes a ``CarrierEvent`` first."""

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from ordermgmt.language import platform_language

from ..models import EventKind

# Carriers and aggregators name the states differently; these are the spellings accepted.
# Carriers send the Chinese labels, and the first import may happen in an English request.
with platform_language():
    _LABELS = {str(kind.label): kind.value for kind in EventKind}
KIND_ALIASES = {
    **{kind.value: kind.value for kind in EventKind},
    **_LABELS,
    "collected": EventKind.PICKED_UP,
    "transit": EventKind.IN_TRANSIT,
    "delivering": EventKind.OUT_FOR_DELIVERY,
    "signed": EventKind.DELIVERED,
    "problem": EventKind.EXCEPTION,
}
MAX_EVENTS_PER_REQUEST = 500
# ``{"events": [{…}]}`` is three levels deep; no event needs more than a few. Deeper bodies
# are refused before decoding, so that the decoder's recursion is never at stake.
MAX_JSON_DEPTH = 8
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class PayloadError(ValueError):
    """A pushed payload that cannot be accepted; ``str()`` says why (answered with 400)."""


@dataclass(frozen=True)
class CarrierEvent:
    external_id: str
    tracking_number: str
    kind: str
    occurred_at: datetime
    place: str = ""
    note: str = ""


def _text(item: dict, name: str, *, index: int, required: bool, max_length: int) -> str:
    value = item.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, (str, int)):
        raise PayloadError(f"events[{index}].{name} must be a string")
    value = str(value).strip()
    if required and not value:
        raise PayloadError(f"events[{index}].{name} is required")
    if len(value) > max_length:
        raise PayloadError(f"events[{index}].{name} is longer than {max_length} characters")
    return value


def parse_event(item, *, index: int = 0) -> CarrierEvent:
    if not isinstance(item, dict):
        raise PayloadError(f"events[{index}] must be an object")
    external_id = _text(item, "event_id", index=index, required=True, max_length=80)
    tracking_number = _text(item, "tracking_number", index=index, required=True, max_length=40)
    status = _text(item, "status", index=index, required=True, max_length=30)
    kind = KIND_ALIASES.get(status) or KIND_ALIASES.get(status.lower())
    if kind is None:
        raise PayloadError(
            f"events[{index}].status '{status}' is not one of: " + ", ".join(kind.value for kind in EventKind)
        )
    raw_time = _text(item, "time", index=index, required=True, max_length=40)
    occurred_at = parse_datetime(raw_time)
    if occurred_at is None:
        raise PayloadError(f"events[{index}].time '{raw_time}' is not an ISO 8601 date-time")
    if timezone.is_naive(occurred_at):
        raise PayloadError(f"events[{index}].time must carry a UTC offset, e.g. 2026-11-25T14:30:00+08:00")
    if occurred_at > timezone.now() + timedelta(hours=1):
        raise PayloadError(f"events[{index}].time is in the future")
    return CarrierEvent(
        external_id=external_id,
        tracking_number=tracking_number,
        kind=kind,
        occurred_at=occurred_at,
        place=_text(item, "place", index=index, required=False, max_length=100),
        note=_text(item, "note", index=index, required=False, max_length=300),
    )


def _nested_too_deep(text: str) -> bool:
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False


def decode_payload(body: bytes):
    """The JSON of a pushed body, or ``PayloadError`` (not UTF-8, not JSON, nested too deep)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadError(f"body is not valid JSON: {error}") from None
    if _nested_too_deep(text):
        raise PayloadError(f"body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PayloadError(f"body is not valid JSON: {error}") from None


def parse_payload(data) -> list[CarrierEvent]:
    """``{"events": [...]}`` or a single event object."""
    if isinstance(data, dict) and "events" in data:
        items = data["events"]
        if not isinstance(items, list):
            raise PayloadError("events must be a list")
    elif isinstance(data, dict):
        items = [data]
    else:
        raise PayloadError("the body must be a JSON object")
    if not items:
        raise PayloadError("events is empty")
    if len(items) > MAX_EVENTS_PER_REQUEST:
        raise PayloadError(f"at most {MAX_EVENTS_PER_REQUEST} events per request")
    return [parse_event(item, index=index) for index, item in enumerate(items)]


class CarrierPoller(ABC):
    """Asks a carrier for the events of our shipments still on their way."""

    def __init__(self, carrier) -> None:
        self.carrier = carrier

    @abstractmethod
    def fetch_events(self, shipments: Sequence, *, now: datetime) -> Iterable[CarrierEvent]:
        """Events known to the carrier for ``shipments`` (already seen ones may be repeated:
        they are recognised by ``external_id`` and ignored)."""


def poller_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(key, key) for key in settings.CARRIER_POLLERS]


def get_poller(carrier) -> CarrierPoller | None:
    path = settings.CARRIER_POLLERS.get(carrier.poller or "")
    if not path:
        return None
    return import_string(path)(carrier)
