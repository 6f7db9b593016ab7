"""Two-step sign-in (TOTP, django-otp) and the demo password outside development.

A user with an authenticator is asked for its code after the password; the roles in
OTP_REQUIRED_ROLES (主管 and superusers in production) cannot use the portal before setting one
up; a wrong code counts for the login lockout like a wrong password. The demo password is
refused, and seed_demo refuses to run, when DEBUG is off."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ordermgmt import demo, roles
from ordermgmt.sign_in import DEMO_PASSWORDS
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db

PRODUCTION_ROLES = ["主管", "超级管理员"]


def code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or ``steps_ahead`` steps of 30 s later: a code that
    was used once is refused again, so the next login uses the next one)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):0{device.digits}d}"


def _login(client, username, password="pass1234"):
    return client.post(reverse("login"), {"username": username, "password": password})


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _enrol(client) -> TOTPDevice:
    client.post(reverse("two_factor"), {"step": "start"})
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("two_factor"), {"step": "confirm", "otp_token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_a_user_turns_it_on_from_their_own_page_and_then_logs_in_with_password_and_code(client):
    user = user_with_role(roles.SALES, "sales-otp")
    client.force_login(user)
    page = client.get(reverse("two_factor")).content.decode()
    assert "开始设置" in page
    client.post(reverse("two_factor"), {"step": "start"})
    page = client.get(reverse("two_factor")).content.decode()
    assert "<svg" in page and 'data-testid="totp-secret"' in page
    device = TOTPDevice.objects.get(user=user)
    wrong = client.post(reverse("two_factor"), {"step": "confirm", "otp_token": "000000" if code(device) != "000000" else "111111"})
    device.refresh_from_db()
    assert wrong.status_code == 302 and not device.confirmed
    client.post(reverse("two_factor"), {"step": "confirm", "otp_token": code(device)})
    device.refresh_from_db()
    assert device.confirmed
    client.post(reverse("logout"))

    response = _login(client, "sales-otp")
    assert response.status_code == 302 and response.url == reverse("login_code")
    assert not _signed_in(client), "the password alone does not sign in"
    assert client.get(reverse("portal:home")).status_code == 302

    response = client.post(reverse("login_code"), {"otp_token": code(device, steps_ahead=1)})
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert _signed_in(client)
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_wrong_code_does_not_sign_in_and_a_used_code_is_refused_again(client):
    user = user_with_role(roles.SALES, "sales-replay")
    client.force_login(user)
    device = _enrol(client)
    client.post(reverse("logout"))
    _login(client, "sales-replay")
    response = client.post(reverse("login_code"), {"otp_token": code(device)})
    assert response.status_code == 400 and "验证码不正确" in response.content.decode()
    assert not _signed_in(client)


def test_wrong_codes_count_for_the_lockout_like_wrong_passwords(client):
    user = user_with_role(roles.SALES, "sales-lock")
    client.force_login(user)
    device = _enrol(client)
    client.post(reverse("logout"))
    _login(client, "sales-lock", "wrong-password")
    _login(client, "sales-lock")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login_code"), {"otp_token": "12345"})
    response = client.post(reverse("login_code"), {"otp_token": code(device, steps_ahead=1)})
    assert response.status_code == 429
    assert not _signed_in(client)
    assert _login(client, "sales-lock").status_code == 429, "the password step is locked too"


def test_a_manager_must_set_it_up_before_using_the_portal_when_it_is_required(client, settings):
    settings.OTP_REQUIRED_ROLES = PRODUCTION_ROLES
    user_with_role(roles.MANAGER, "boss-otp")
    _login(client, "boss-otp")
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor"))
    assert "您的角色必须开启两步验证" in client.get(reverse("two_factor")).content.decode()
    device = _enrol(client)
    assert client.get(reverse("customers:list")).status_code == 200
    assert "不能关闭" in str(client.post(reverse("two_factor"), {"step": "remove"}, follow=True).content.decode())
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_superusers_are_required_too_and_other_roles_are_not(client, settings):
    settings.OTP_REQUIRED_ROLES = PRODUCTION_ROLES
    UserFactory(username="root-otp", is_staff=True, is_superuser=True)
    _login(client, "root-otp")
    assert client.get(reverse("portal:home")).status_code == 302
    client.post(reverse("logout"))
    user_with_role(roles.WAREHOUSE, "keeper-otp")
    _login(client, "keeper-otp")
    assert client.get(reverse("portal:home")).status_code == 200


def test_the_admin_login_does_not_skip_the_code(client):
    user = UserFactory(username="staff-otp", is_staff=True, is_superuser=True)
    client.force_login(user)
    _enrol(client)
    client.post(reverse("logout"))
    client.post("/admin/login/", {"username": "staff-otp", "password": "pass1234", "next": "/admin/"})
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not _signed_in(client)


def test_production_requires_it_for_managers_and_superusers_and_development_does_not():
    from tests.platform.test_settings import PRODUCTION, _manage

    shown = "from django.conf import settings as s; print(s.OTP_REQUIRED_ROLES, s.DEMO_DATA_ALLOWED)"
    production = _manage("shell", "-c", shown, **PRODUCTION)
    assert production.stdout.strip().splitlines()[-1] == "['主管', '超级管理员'] False", production.stderr
    development = _manage("shell", "-c", shown)
    assert development.stdout.strip().splitlines()[-1] == "[] True", development.stderr


def test_the_demo_password_is_refused_when_debug_is_off(client, settings):
    UserFactory(username="demo-user", password="demo1234")
    settings.DEMO_DATA_ALLOWED = False
    response = _login(client, "demo-user", "demo1234")
    assert response.status_code == 200 and not _signed_in(client)
    assert "演示密码不能在正式环境使用" in response.content.decode()

    settings.DEMO_DATA_ALLOWED = True
    assert _login(client, "demo-user", "demo1234").status_code == 302 and _signed_in(client)


def test_seed_demo_refuses_to_run_when_debug_is_off(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="开发环境"):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert not UserFactory._meta.model.objects.filter(username="admin").exists()


def test_the_refused_demo_password_is_the_one_seed_demo_sets():
    assert demo.DEMO_PASSWORD in DEMO_PASSWORDS
