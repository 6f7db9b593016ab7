"""Who is calling and what it may do: bearer tokens of API clients (the only way in), scopes
per endpoint, an optional address allowlist, and a rate limit per client."""

import hmac
import ipaddress

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from ordermgmt.http import client_ip

from ..models import ApiClient, ApiToken
from ..services import api_token_touch
from ..services.clients import split_token, token_digest
from .errors import ApiError


def token_for(raw: str) -> ApiToken | None:
    """The live token presented (found by its prefix, compared by digest in constant time)."""
    prefix = split_token(raw)
    if not prefix:
        return None
    token = ApiToken.objects.select_related("client").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, token_digest(raw)):
        return None
    if not token.is_live() or not token.client.is_active:
        return None
    return token


def _address_allowed(client: ApiClient, address: str | None) -> bool:
    networks = client.allowed_networks
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer omk_…``. The same refusal for an unknown, expired, revoked or
    malformed token, or an inactive client: nothing to probe."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        token = token_for(raw.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise AuthenticationFailed()
        if not _address_allowed(token.client, client_ip(request)):
            raise ApiError("ip_not_allowed")
        api_token_touch(token=token)
        return token.client, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class HasScope(BasePermission):
    """The scope the view names for the request's method (``required_scopes``)."""

    def has_permission(self, request, view) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return False
        scope = getattr(view, "required_scopes", {}).get(request.method)
        if scope is None or client.has_scope(scope):
            return True
        self.message = f"该客户端没有权限范围 {scope}，请联系平台主管开通"
        return False


class ClientRateThrottle(SimpleRateThrottle):
    """Requests per client per period (its own ``rate_limit``, else ``API_DEFAULT_RATE_LIMIT``),
    counted in the shared cache (Redis in production) beside the other rate limits (same key
    prefix). Over the limit: 429 with Retry-After."""

    def __init__(self):  # the rate is the client's, known per request
        pass

    def allow_request(self, request, view) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return True
        self.rate = client.effective_rate_limit
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return f"{getattr(settings, 'RATELIMIT_CACHE_PREFIX', 'rl:')}api-client:{request.user.pk}"
