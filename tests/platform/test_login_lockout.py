"""Brute-force protection of the two login forms (django-axes, by username + client address)."""

import pytest
from django.conf import settings

from ordermgmt import roles
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db

LOGIN_FORMS = ["/accounts/login/", "/admin/login/"]


def _attempt(client, url, password, username="sales", **headers):
    return client.post(url, {"username": username, "password": password}, **headers)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def sales(db):
    # Staff, so that the right password would open the admin too.
    return UserFactory(username="sales", is_staff=True, roles=[roles.SALES])


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_ten_wrong_passwords_lock_the_account_even_against_the_right_one(client, sales, url):
    for _ in range(10):
        _attempt(client, url, "wrong-password")
    response = _attempt(client, url, "pass1234")
    assert not _logged_in(client)
    assert response.status_code == 429


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_a_few_wrong_passwords_do_not_lock_and_success_starts_the_count_again(client, sales, url):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(client, url, "wrong-password")
    _attempt(client, url, "pass1234")
    assert _logged_in(client)
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(client, url, "wrong-password")
    _attempt(client, url, "pass1234")
    assert _logged_in(client)


def test_locked_out_page_is_in_chinese_in_the_portal_look_with_the_cool_off_time(client, sales):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "/accounts/login/", "wrong-password")
    response = _attempt(client, "/accounts/login/", "pass1234")
    page = response.content.decode()
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert response.status_code == 429
    assert "登录失败次数过多" in page
    assert f"{minutes} 分钟后" in page
    assert "主管" in page, "the page says who can unlock the account"
    assert "css/portal.css" in page and "login-box" in page


def test_the_lock_holds_for_one_username_from_one_address_only(client, sales):
    other = UserFactory(username="service")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "/accounts/login/", "wrong-password", REMOTE_ADDR="10.1.1.1")
    _attempt(client, "/accounts/login/", "pass1234", REMOTE_ADDR="10.1.1.1")
    assert not _logged_in(client)

    _attempt(client, "/accounts/login/", "pass1234", username=other.username, REMOTE_ADDR="10.1.1.1")
    assert _logged_in(client), "another user at the same desk is not locked"
    client.logout()
    _attempt(client, "/accounts/login/", "pass1234", REMOTE_ADDR="10.2.2.2")
    assert _logged_in(client), "the same user from another address is not locked"


def test_behind_a_proxy_the_lock_follows_the_client_address_header(client, sales, settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "/accounts/login/", "wrong-password", HTTP_X_REAL_IP="203.0.113.7")
    _attempt(client, "/accounts/login/", "pass1234", HTTP_X_REAL_IP="203.0.113.7")
    assert not _logged_in(client)
    # Same proxy (REMOTE_ADDR), another client behind it.
    _attempt(client, "/accounts/login/", "pass1234", HTTP_X_REAL_IP="203.0.113.8")
    assert _logged_in(client)


def test_login_lockout_reads_the_client_address_like_the_tracking_rate_limit(rf, settings):
    from axes.helpers import get_client_ip_address

    assert settings.AXES_CLIENT_IP_CALLABLE == settings.RATELIMIT_IP_META_KEY == "ordermgmt.http.client_ip"
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    assert get_client_ip_address(request) == "203.0.113.9"


def test_a_manager_unlocks_a_locked_account_in_the_admin(client, sales):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "/accounts/login/", "wrong-password")
    _attempt(client, "/accounts/login/", "pass1234")
    assert not _logged_in(client)

    from django.test import Client

    manager = user_with_role(roles.MANAGER)
    manager.is_staff = True
    manager.save()
    admin = Client()
    admin.force_login(manager)
    listing = admin.get("/admin/ordermgmt/loginlockout/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "sales" in page and "已锁定" in page
    from ordermgmt.models import LoginLockout

    locks = list(LoginLockout.objects.filter(username="sales").values_list("pk", flat=True))
    answer = admin.post(
        "/admin/ordermgmt/loginlockout/", {"action": "unlock", "_selected_action": locks}, follow=True
    )
    assert "已解除" in answer.content.decode()

    _attempt(client, "/accounts/login/", "pass1234")
    assert _logged_in(client)


def test_test_client_login_goes_through_the_lockout_too(client, sales):
    """Django's ``client.login`` calls ``authenticate`` without a request, which axes refuses;
    the project's test client passes one (see tests/conftest.py)."""
    assert client.login(username="sales", password="pass1234")
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert not client.login(username="sales", password="wrong-password")
    assert not client.login(username="sales", password="pass1234")
