"""In Chromium: the API documentation renders from local files under the policy, and a 主管
makes an API client, issues its token (shown once) and revokes it."""

import re

import pytest
from playwright.sync_api import expect

from integrations.models import ApiToken
from ordermgmt import roles
from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser]


def test_swagger_ui_lists_the_operations_from_local_files(page, live_server, shop, csp_violations):
    foreign = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".opblock-summary-description", has_text="Push one order")).to_be_visible()
    expect(page.locator(".opblock")).to_have_count(13)
    assert not [url for url in foreign if not url.startswith("data:")], foreign


def test_redoc_renders_and_loads_nothing_from_a_cdn(page, live_server, shop, csp_violations):
    page.goto(f"{live_server.url}/api/v1/docs/redoc/")
    expect(page.locator("h2", has_text="Push up to 500 orders")).to_be_visible()
    # Redoc's footer links its logo on cdn.redoc.ly: refused, as every foreign source is.
    assert all("cdn.redoc.ly" in refusal for refusal in csp_violations), csp_violations
    csp_violations.clear()


def test_a_manager_issues_a_token_that_is_shown_once_and_revokes_it(page, live_server, shop):
    UserFactory(username="lizhang", first_name="李强", roles=[roles.MANAGER])
    login(page, live_server, "lizhang")
    page.click("nav.mainnav >> text=接口")
    page.click("text=新建客户端")
    page.fill("input[name=name]", "淘宝旗舰店")
    page.fill("input[name=channel_code]", "taobao-shop-1")
    page.click("button[type=submit]:has-text('保存')")
    expect(page.locator("h1")).to_contain_text("淘宝旗舰店")
    page.click("[data-testid=issue-token] button")
    token = page.locator("[data-testid=issued-token]").inner_text()
    assert re.fullmatch(r"omk_[0-9a-f]{8}_[\w-]{43}", token)
    page.click("text=我已保存，返回客户端")
    expect(page.locator("[data-testid=tokens]")).not_to_contain_text(token)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=tokens] button:has-text('吊销')")
    expect(page.locator("[data-testid=tokens]")).to_contain_text("已吊销")
    assert ApiToken.objects.get().revoked_at is not None
