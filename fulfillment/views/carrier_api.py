"""The endpoint carriers and aggregators push logistics events to.

``POST /api/carriers/<code>/events/`` with ``Authorization: Bearer <token>`` (issued per
carrier in the admin) and a JSON body: one event or ``{"events": [...]}``, each with
``event_id``, ``tracking_number``, ``status`` (picked_up, in_transit, out_for_delivery,
delivered, exception — or 已揽收 …), ``time`` (ISO 8601 with offset), optional ``place``
and ``note``. Idempotent on ``event_id``; any invalid event (or a body that is not JSON,
or nested deeper than any event needs) rejects the whole request with 400 and a reason,
and nothing is stored.
"""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from ordermgmt.errors import BusinessError

from ..carriers.base import PayloadError, decode_payload, parse_payload
from ..models import Carrier, EventSource
from ..services import carrier_events_ingest, carrier_token_matches

MAX_BODY_BYTES = 1024 * 1024


def _error(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": reason}, status=status, json_dumps_params={"ensure_ascii": False})


def _bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@csrf_exempt
@require_POST
def carrier_events(request, code: str):
    if is_ratelimited(request, group=f"carrier-api:{code}", key="ip", rate=settings.CARRIER_API_RATE_LIMIT,
                      increment=True):
        return _error(429, "too many requests")
    carrier = Carrier.objects.filter(code=code, is_active=True).first()
    # The same answer for an unknown carrier and a wrong token: nothing to probe.
    if carrier is None or not carrier_token_matches(carrier, _bearer(request)):
        return _error(401, "invalid carrier or token")
    if len(request.body) > MAX_BODY_BYTES:
        return _error(400, "body larger than 1 MB")
    try:
        events = parse_payload(decode_payload(request.body))
        result = carrier_events_ingest(carrier=carrier, events=events, source=EventSource.PUSH)
    except PayloadError as error:
        return _error(400, str(error))
    except BusinessError as error:
        return _error(400, str(error))
    return JsonResponse({"ok": True, "accepted": result.accepted, "duplicates": result.duplicates})
