"""What every API view shares: HTTPS and body-size checks before anything is read, the call
log per client, and idempotency keys for the writes."""

import json
import logging
import re
import time

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from ...models import ApiClient
from ...services import (
    api_call_record,
    idempotency_claim,
    idempotency_complete,
    idempotency_hold,
    idempotency_release,
    request_fingerprint,
)
from ..errors import ApiError, error_body
from ..serializers import ErrorSerializer

logger = logging.getLogger(__name__)

REPLAY_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, pattern=r"^[\x21-\x7e]{1,200}$",
    description="A key of your choosing (e.g. a UUID), 1–200 visible ASCII characters, new for every new request. "
                "Sent again with the same body, the first answer is returned (same status and body, with the header "
                "Idempotent-Replayed: true); with another body: 422. Kept at least 7 days.",
)
OPTIONAL_IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False, pattern=r"^[\x21-\x7e]{1,200}$",
    description="Optional here; when given it works as on POST.",
)


def errors(*statuses: int) -> dict:
    """Error answers of an operation, for the schema (every status it can answer)."""
    described = {
        400: "Malformed request or invalid field (see errors)",
        401: "Missing or invalid bearer token",
        403: "Missing scope, address not allowed, or plain HTTP in production",
        404: "No such resource for this client",
        409: "Conflict: duplicate order, key still in use, or the order's state does not allow it",
        413: "Body too large",
        415: "Not JSON",
        422: "Refused by a business rule, or Idempotency-Key reused with another body",
        429: "Rate limit exceeded (see Retry-After)",
    }
    return {status: OpenApiResponse(ErrorSerializer, description=described[status]) for status in statuses}


COMMON_ERRORS = (401, 403, 429)


def render(data) -> str:
    return JSONRenderer().render(data).decode("utf-8")


def json_response(body: str, status: int, *, replayed: bool = False) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json")
    if replayed:
        response[REPLAY_HEADER] = "true"
    return response


class ApiView(APIView):
    """``required_scopes``: the scope each method needs (``integrations.scopes``)."""

    required_scopes: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        if settings.API_REQUIRE_HTTPS and not request.is_secure():
            raise ApiError("https_required")
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > settings.API_MAX_BODY_BYTES:
            raise ApiError("payload_too_large", f"请求体不能超过 {settings.API_MAX_BODY_BYTES // 1024} KB")
        super().initial(request, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        started = time.monotonic()
        response = super().dispatch(request, *args, **kwargs)
        self._log_call(response, started)
        return response

    # --- the call log -----------------------------------------------------------------------

    def _log_call(self, response, started: float) -> None:
        client = getattr(self.request, "_user", None)
        if not isinstance(client, ApiClient):
            return
        match = self.request.resolver_match
        try:
            api_call_record(
                client=client, method=self.request.method,
                endpoint="/" + (match.route if match else self.request.path.lstrip("/")),
                status=response.status_code, latency_ms=int((time.monotonic() - started) * 1000),
                idempotency_key=self.request.headers.get("Idempotency-Key", "") if _KEY.match(
                    self.request.headers.get("Idempotency-Key", "")) else "",
                error_code=_error_code(response), replayed=response.get(REPLAY_HEADER) == "true",
            )
        except Exception:  # noqa: BLE001 - the answer stands even if its log line cannot be written
            logger.exception("Could not log an API call of client %s", client.pk)

    # --- idempotency -------------------------------------------------------------------------

    def idempotent(self, request, work, *, required: bool = True) -> HttpResponse:
        """Run ``work`` (returning ``(status, data)``) once per Idempotency-Key: in one transaction
        with the key's completion, so the stored answer and the change commit together. Only a
        success commits: any other answer rolls back whatever the work did."""
        key = request.headers.get("Idempotency-Key")
        if key is None and not required:
            with transaction.atomic():
                status, data = work()
                _keep_only_success(status)
            return json_response(render(data), status)
        if not key or not _KEY.match(key):
            raise ApiError("idempotency_key_required")
        claim = idempotency_claim(client=request.user, key=key, method=request.method, path=request.path,
                                  fingerprint=request_fingerprint(request.method, request.path, request.body))
        if claim.replay:
            return json_response(claim.row.response_body, claim.row.response_status, replayed=True)
        kept = False
        try:
            with transaction.atomic():
                idempotency_hold(claim)
                status, data = work()
                body = render(data)
                if 200 <= status < 300:
                    idempotency_complete(claim, status=status, body=body)
                    kept = True
                _keep_only_success(status)
        finally:
            if not kept:
                idempotency_release(claim)
        return json_response(body, status)


def _keep_only_success(status: int) -> None:
    """An answer that is not a success changes nothing (a refused all-or-nothing batch)."""
    if not 200 <= status < 300:
        transaction.set_rollback(True)


def _error_code(response) -> str:
    if response.status_code < 400:
        return ""
    data = getattr(response, "data", None)
    if data is None:
        try:
            data = json.loads(response.content or b"{}")
        except ValueError:
            return ""
    return str(data.get("code", ""))[:40] if isinstance(data, dict) else ""


@csrf_exempt  # it reads nothing and changes nothing: any method gets the same 404
def not_found(request, *args, **kwargs) -> HttpResponse:
    return json_response(render(error_body("not_found")), 404)
