"""In Chromium: a 主管 who must use two-step sign-in sets up an authenticator (QR code drawn by
the site, under the Content-Security-Policy) and signs in with password and code; a customer's
历史 tab shows what an edit changed, from what to what, and who made it."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from ordermgmt import roles
from tests.browser.conftest import login, logout
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def manager(shop):
    return UserFactory(username="lizhang", first_name="李强", is_staff=True, roles=[roles.MANAGER])


def _code(secret: str, steps_ahead: int = 0) -> str:
    """What the manager's authenticator app shows for the secret the page gave."""
    return f"{totp(b32decode(secret.replace(' ', '') + '=' * (-len(secret.replace(' ', '')) % 8)), drift=steps_ahead):06d}"


def _password_step(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass1234")
    page.click("button[type=submit]")


def test_a_manager_sets_up_two_step_sign_in_and_logs_in_with_a_code(page, live_server, manager, settings):
    settings.OTP_REQUIRED_ROLES = ["主管", "超级管理员"]
    _password_step(page, live_server, "lizhang")
    # Signed in only as far as the enrolment page.
    expect(page.locator("[data-testid=two-factor]")).to_contain_text("您的角色必须开启两步验证")
    page.goto(f"{live_server.url}/customers/")
    expect(page).to_have_url(f"{live_server.url}/accounts/two-factor/?next=%2Fcustomers%2F")

    page.click("button:has-text('开始设置')")
    expect(page.locator("[data-testid=enrolment-qr] svg")).to_be_visible()
    secret = page.locator("[data-testid=totp-secret]").inner_text()
    page.fill("input[name=otp_token]", _code(secret))
    page.click("button:has-text('确认开启')")
    expect(page).to_have_url(f"{live_server.url}/customers/")
    expect(page.locator(".messages")).to_contain_text("两步验证已开启")

    logout(page)
    _password_step(page, live_server, "lizhang")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/code/")
    page.fill("input[name=otp_token]", "000000" if _code(secret, 1) != "000000" else "111111")
    page.click("button[type=submit]")
    expect(page.locator(".field")).to_contain_text("验证码不正确")
    page.wait_for_timeout(1100)  # django-otp waits 1 s after a wrong code (doubling with each)
    page.fill("input[name=otp_token]", _code(secret, 1))
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("[data-testid=current-user]")).to_contain_text("李强")


def test_the_history_tab_of_a_customer_shows_old_and_new_values_and_who(page, live_server, manager, shop):
    customer = shop["customer"]
    login(page, live_server, "lizhang")
    page.goto(f"{live_server.url}/customers/{customer.pk}/edit/")
    page.fill("input[name=payment_terms_days]", "45")
    page.click(".form-actions button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("客户资料已保存")
    page.click("a:has-text('历史')")
    row = page.locator("[data-testid=history] tr[data-field='账期(天)']").first  # newest first; then its creation
    expect(row.locator(".old")).to_have_text("30")
    expect(row.locator(".new")).to_have_text("45")
    expect(page.locator("[data-testid=history]")).to_contain_text("李强")
