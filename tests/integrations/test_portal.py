"""The 主管's pages: API clients with their tokens (shown once), calls and error rates; webhook
subscriptions (secret shown once); the command that makes a client from a script."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrations.models import ApiCallLog, ApiClient, ApiToken, IdempotencyKey, WebhookSubscription
from integrations.services import api_calls_purge, idempotency_keys_purge
from ordermgmt import roles
from tests.factories import user_with_role

from .conftest import Api, order_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = user_with_role(roles.MANAGER)
    client.force_login(user)
    return user


def _token_on(page: str) -> str:
    return re.search(r'data-testid="issued-token">(omk_[^<]+)<', page).group(1)


def test_a_manager_creates_a_client_and_sees_its_token_once(client, manager, shop):
    assert "接口" in client.get("/").content.decode()
    response = client.post("/integrations/clients/new/", {
        "name": "淘宝旗舰店", "channel_code": "taobao-shop-1", "owner": manager.pk,
        "scopes": ["orders:read", "orders:write"], "rate_limit": "", "allowed_ips": "", "notes": "",
    })
    api_client = ApiClient.objects.get()
    assert response.status_code == 302 and response.url == f"/integrations/clients/{api_client.pk}/"
    issued = client.post(f"/integrations/clients/{api_client.pk}/tokens/", {"grace": "0"})
    raw = _token_on(issued.content.decode())
    assert issued["Cache-Control"].startswith("private") or "no-store" in issued["Cache-Control"]
    assert Api(client, raw).post("/api/v1/orders/", order_body()).status_code == 201
    detail = client.get(f"/integrations/clients/{api_client.pk}/").content.decode()
    assert raw not in detail and f"omk_{ApiToken.objects.get().prefix}_…" in detail


def test_rotation_and_revocation_from_the_client_page(client, manager, channel):
    api_client, first = channel
    second = _token_on(client.post(f"/integrations/clients/{api_client.pk}/tokens/", {"grace": "24"}).content.decode())
    page = client.get(f"/integrations/clients/{api_client.pk}/").content.decode()
    assert "过渡期至" in page and page.count("吊销</button>") == 2
    old = ApiToken.objects.get(prefix=first.split("_")[1])
    client.post(f"/integrations/tokens/{old.pk}/revoke/")
    old.refresh_from_db()
    assert old.revoked_at is not None and old.revoked_by == manager
    assert Api(client, second).get("/api/v1/orders/").status_code == 200


def test_the_client_page_shows_the_last_calls_and_error_rates(client, api, channel, manager, shop):
    api.post("/api/v1/orders/", order_body())
    api.post("/api/v1/orders/", order_body(external_ref="X", customer_code="NOPE"))
    api.get("/api/v1/orders/NOPE/")
    page = client.get(f"/integrations/clients/{channel[0].pk}/").content.decode()
    assert "unknown_customer" in page and "/api/v1/orders/&lt;str:number&gt;/" in page
    assert "67%" in page, "2 of 3 calls refused in the last hour"


def test_a_manager_subscribes_a_url_and_sees_its_secret_once(client, manager, channel):
    response = client.post(f"/integrations/clients/{channel[0].pk}/webhooks/new/", {
        "url": "https://erp.example.com/hooks", "event_types": ["order.created", "order.shipped"], "description": "ERP"})
    secret = re.search(r'data-testid="webhook-secret">(whsec_[^<]+)<', response.content.decode()).group(1)
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret == secret and subscription.event_types == ["order.created", "order.shipped"]
    assert secret not in client.get(f"/integrations/clients/{channel[0].pk}/").content.decode()


def test_other_roles_do_not_see_the_integration_pages(client, channel):
    client.force_login(user_with_role(roles.SALES))
    for url in ("/integrations/", f"/integrations/clients/{channel[0].pk}/", "/integrations/deliveries/",
                "/integrations/payments/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/integrations/clients/{channel[0].pk}/tokens/", {"grace": "0"}).status_code == 403


def test_the_command_prints_a_working_token_on_its_last_line(client, shop):
    out = io.StringIO()
    call_command("api_client_create", "有赞商城", "--channel", "youzan-1", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert ApiClient.objects.get().scopes == ["orders:read", "orders:write"]
    assert Api(client, token).post("/api/v1/orders/", order_body()).status_code == 201


def test_keys_are_kept_seven_days_and_call_logs_ninety(channel):
    api_client = channel[0]
    now = timezone.now()
    for age in (6, 8):
        IdempotencyKey.objects.create(client=api_client, key=f"k{age}", fingerprint="x", method="POST", path="/",
                                      created_at=now - timedelta(days=age))
        ApiCallLog.objects.create(client=api_client, at=now - timedelta(days=age * 14), method="GET", endpoint="/",
                                  status=200, latency_ms=1)
    assert idempotency_keys_purge() == 1 and list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k6"]
    assert api_calls_purge() == 1 and ApiCallLog.objects.count() == 1


def test_a_manager_changes_a_client_and_pauses_a_subscription(client, manager, channel, receiver):
    api_client = channel[0]
    edit = client.post(f"/integrations/clients/{api_client.pk}/edit/", {
        "name": "淘宝旗舰店", "owner": manager.pk, "scopes": ["orders:read"], "rate_limit": "60/m",
        "allowed_ips": "203.0.113.0/24", "notes": "", "is_active": "on"})
    assert edit.status_code == 302
    api_client.refresh_from_db()
    assert (api_client.scopes, api_client.rate_limit, api_client.allowed_ips) == (["orders:read"], "60/m", "203.0.113.0/24")
    refused = client.post(f"/integrations/clients/{api_client.pk}/edit/", {
        "name": "淘宝旗舰店", "scopes": ["orders:read"], "rate_limit": "often", "allowed_ips": "not-an-ip"})
    assert refused.status_code == 400 and "频率限制的格式" in refused.content.decode()
    client.post(f"/integrations/clients/{api_client.pk}/webhooks/new/", {"url": receiver.url,
                                                                        "event_types": ["order.created"]})
    subscription = WebhookSubscription.objects.get()
    client.post(f"/integrations/webhooks/{subscription.pk}/edit/", {"url": receiver.url, "event_types": ["order.shipped"]})
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.event_types) == (False, ["order.shipped"])
    assert "暂停" in client.get(f"/integrations/clients/{api_client.pk}/").content.decode()
