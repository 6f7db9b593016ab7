"""API clients keep their history: who widened a client's scopes or limits, and when."""

import pytest
from django.urls import reverse

from integrations.services import api_client_create, api_client_update
from ordermgmt import roles
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_a_clients_scope_change_is_in_its_history_with_who(client):
    manager = user_with_role(roles.MANAGER, "boss-api")
    api_client = api_client_create(user=manager, name="淘宝旗舰店", channel_code="taobao-shop-1",
                                   scopes=["orders:read"])
    api_client_update(user=manager, client=api_client, scopes=["orders:read", "orders:write"], rate_limit="60/m")
    versions = list(api_client.history.order_by("history_id"))
    assert [v.history_type for v in versions] == ["+", "~"]
    assert all(v.history_user == manager for v in versions)

    client.force_login(manager)
    page = client.get(reverse("integrations:client_history", args=[api_client.pk])).content.decode()
    assert "orders:write" in page and "60/m" in page and "频率限制" in page
    assert reverse("integrations:client_history", args=[api_client.pk]) in \
        client.get(reverse("integrations:client", args=[api_client.pk])).content.decode()


def test_only_who_may_see_api_clients_may_see_their_history(client):
    api_client = api_client_create(user=user_with_role(roles.MANAGER), name="ERP", channel_code="erp-1")
    client.force_login(user_with_role(roles.SALES))
    assert client.get(reverse("integrations:client_history", args=[api_client.pk])).status_code == 403
