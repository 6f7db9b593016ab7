"""Payment platforms calling back: ``POST /api/v1/payments/notify/<provider>/``. Not a client
of the API: authenticated by the signature of the raw body with the provider's secret."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django_ratelimit.core import is_ratelimited
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from ...models import PaymentProvider
from ...payments.adapters import ADAPTERS, NoticeInvalid, SignatureInvalid
from ...services import payment_notification_receive
from ..errors import ApiError
from ..serializers import ErrorSerializer, GenericPaymentNotificationSerializer, PaymentNotifyResultSerializer
from .base import ApiView


class RawBody(BaseParser):
    """The body is verified byte for byte: never parsed before its signature is checked."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return None


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class PaymentNotifyView(ApiView):
    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    parser_classes = [RawBody]

    @extend_schema(
        tags=["payments"], operation_id="payments_notify", summary="Payment platform notification (generic format)",
        request=GenericPaymentNotificationSerializer,
        parameters=[OpenApiParameter(
            "X-Signature", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
            description="Hex HMAC-SHA256 of the raw request body, keyed with the provider's secret.")],
        responses={
            200: PaymentNotifyResultSerializer,
            400: _error("The body is not in the documented format"),
            401: _error("Bad signature, or timestamp more than 5 minutes away (stale_timestamp)"),
            403: _error("Plain HTTP in production"),
            404: _error("Unknown or inactive provider"),
            409: _error("The exact same notification was received before (replay refused)"),
            413: _error("Body too large"),
            429: _error("Too many notifications from this address"),
        },
        auth=[],
        description="Records a payment against the order (once per transaction_id: a notification for a "
                    "transaction already handled answers `duplicate` and books nothing). An unknown order, an "
                    "amount beyond what is owed, another currency or a cancelled order is not booked but "
                    "`flagged` for a 主管 to resolve. Each delivery attempt must be signed afresh with a current "
                    "timestamp: an identical notification received before is refused as a replay.",
    )
    def post(self, request, provider: str):
        if is_ratelimited(request, group=f"payment-notify:{provider}", key="ip",
                          rate=settings.PAYMENT_NOTIFY_RATE_LIMIT, increment=True):
            raise ApiError("rate_limited", headers={"Retry-After": "60"})
        platform = PaymentProvider.objects.filter(code=provider, is_active=True).first()
        adapter = ADAPTERS.get(platform.adapter) if platform else None
        if adapter is None:
            raise ApiError("unknown_provider")
        body = request.body
        try:
            signature = adapter.verify(body=body, headers=request.headers, secret=platform.secret)
        except SignatureInvalid as error:
            raise ApiError("bad_signature") from error
        try:
            notice = adapter.parse(body)
        except NoticeInvalid as error:
            raise ApiError("invalid_notification", errors={"body": [str(error)]}) from error
        if abs(time.time() - notice.timestamp) > settings.PAYMENT_NOTIFY_TOLERANCE_SECONDS:
            raise ApiError("stale_timestamp")
        digest = hashlib.sha256(signature.encode()).hexdigest()
        replay_key = f"{settings.PAYMENT_NOTIFY_SEEN_CACHE_PREFIX}:{platform.pk}:{digest}"
        if not cache.add(replay_key, 1, timeout=2 * settings.PAYMENT_NOTIFY_TOLERANCE_SECONDS + 60):
            raise ApiError("notification_replayed")
        notification, outcome = payment_notification_receive(provider=platform, notice=notice)
        status, payload = adapter.acknowledge(outcome, {"transaction_id": notice.transaction_id,
                                                        "order_number": notice.order_number})
        return Response(payload, status=status)
