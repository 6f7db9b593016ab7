"""Who may call what: bearer tokens only (shown once, stored hashed, rotated with two live
tokens, revocable), scopes per endpoint, address allowlists, rate limits, body limits, HTTPS in
production, no CSRF exemption beyond the token-authenticated API."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from integrations.models import ApiToken
from integrations.services import api_client_update, api_token_issue, api_token_revoke
from integrations.services.clients import token_digest
from ordermgmt import roles
from orders.models import Order
from tests.factories import user_with_role

from .conftest import Api, make_channel, order_body

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(client, shop):
    response = client.get(ORDERS)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthenticated"
    for header in ("Bearer nonsense", "Bearer omk_abcd1234_wrong", "Basic dXNlcjpwYXNz", "Token abc"):
        assert client.get(ORDERS, HTTP_AUTHORIZATION=header).status_code == 401


def test_a_portal_session_is_not_a_way_into_the_api(client, shop):
    client.force_login(user_with_role(roles.MANAGER))
    response = client.post(ORDERS, json.dumps(order_body()), content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 401 and not Order.objects.exists()


def test_only_the_digest_of_a_token_is_stored(channel):
    client, raw = channel
    token = ApiToken.objects.get(client=client)
    assert raw.startswith(f"omk_{token.prefix}_") and token.digest == token_digest(raw)
    assert raw not in json.dumps(list(ApiToken.objects.values()), default=str)


def test_rotation_keeps_the_old_token_alive_for_its_grace_period_only(client, channel, shop):
    api_client, old = channel
    _token, new = api_token_issue(user=None, client=api_client, grace_hours=24)
    for raw in (old, new):
        assert Api(client, raw).get(ORDERS).status_code == 200, "two live tokens during the rotation"
    _third, newest = api_token_issue(user=None, client=api_client, grace_hours=24)
    assert Api(client, old).get(ORDERS).status_code == 401, "never more than two live tokens"
    assert Api(client, new).get(ORDERS).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert Api(client, new).get(ORDERS).status_code == 401
        assert Api(client, newest).get(ORDERS).status_code == 200


def test_a_revoked_token_or_an_inactive_client_is_refused_at_once(client, channel, shop):
    api_client, raw = channel
    api_token_revoke(user=None, token=ApiToken.objects.get(client=api_client))
    assert Api(client, raw).get(ORDERS).status_code == 401
    _token, fresh = api_token_issue(user=None, client=api_client)
    api_client_update(user=None, client=api_client, is_active=False)
    assert Api(client, fresh).get(ORDERS).status_code == 401


@pytest.mark.parametrize("scopes, method, path, status", [
    (["orders:read"], "post", ORDERS, 403),
    (["orders:write"], "get", ORDERS, 403),
    (["orders:read", "orders:write"], "get", "/api/v1/webhooks/", 403),
    (["orders:read", "orders:write"], "post", "/api/v1/orders/X/payments/", 403),
    (["orders:read_all"], "get", ORDERS, 200),
])
def test_each_endpoint_needs_its_scope(client, shop, scopes, method, path, status):
    _c, token = make_channel(scopes=scopes)
    api = Api(client, token)
    response = api.get(path) if method == "get" else api.post(path, order_body())
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "forbidden" and "权限范围" in response.json()["message"]


def test_a_client_limited_to_addresses_is_refused_from_elsewhere(client, shop):
    _c, token = make_channel(allowed_ips="203.0.113.0/24\n198.51.100.7")
    api = Api(client, token)
    assert api.http.get(ORDERS, **api.headers(REMOTE_ADDR="203.0.113.9")).status_code == 200
    refused = api.http.get(ORDERS, **api.headers(REMOTE_ADDR="127.0.0.1"))
    assert refused.status_code == 403 and refused.json()["code"] == "ip_not_allowed"


def test_over_its_rate_limit_a_client_gets_429_with_retry_after(client, shop):
    _c, token = make_channel(rate_limit="3/m")
    api = Api(client, token)
    assert [api.get(ORDERS).status_code for _ in range(3)] == [200, 200, 200]
    limited = api.get(ORDERS)
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60


def test_a_body_over_the_limit_is_413_before_it_is_read(api, shop, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = api.post(ORDERS, order_body(notes="很" * 600))
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_in_production_plain_http_is_refused(api, shop, settings):
    settings.API_REQUIRE_HTTPS = True
    refused = api.get(ORDERS)
    assert refused.status_code == 403 and refused.json()["code"] == "https_required"
    assert api.http.get(ORDERS, secure=True, **api.headers()).status_code == 200


def test_malformed_json_and_other_media_types_are_refused_in_the_error_shape(api, shop):
    bad = api.http.post(ORDERS, "{not json", content_type="application/json", **api.headers("k1"))
    assert bad.status_code == 400 and bad.json()["code"] == "malformed_json"
    form = api.http.post(ORDERS, "a=1", content_type="application/x-www-form-urlencoded", **api.headers("k2"))
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    assert set(form.json()) == {"code", "message", "detail", "errors"}


def test_portal_forms_still_need_their_csrf_token(shop):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user_with_role(roles.MANAGER))
    assert browser.post("/integrations/clients/new/", {"name": "x", "channel_code": "xx"}).status_code == 403
