"""In Chromium: the pages work under the Content-Security-Policy, and a login locked after
too many wrong passwords gets a page that says what to do."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from ordermgmt import roles
from reports.models import Report
from tests.browser.conftest import login
from tests.factories import UserFactory, make_order

pytestmark = [pytest.mark.browser]

COUNT_PRINTS = "window.print = function () { window.printed = (window.printed || 0) + 1; };"


@pytest.fixture
def manager(shop):
    return UserFactory(username="lizhang", first_name="李强", is_staff=True, roles=[roles.MANAGER])


def test_scripts_run_from_static_files_under_the_policy(page, live_server, manager, csp_violations):
    page.add_init_script(COUNT_PRINTS)
    login(page, live_server, "lizhang")
    response = page.goto(f"{live_server.url}/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "no-store" in response.headers["cache-control"]

    # The language switch submits itself when changed (was an onchange attribute).
    page.select_option("select[name=language]", "en")
    expect(page.locator("nav.mainnav")).to_contain_text("Home")
    page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("nav.mainnav")).to_contain_text("工作台")

    # 打印 on a voucher (was onclick) opens the print dialog once.
    order = make_order()
    page.goto(f"{live_server.url}/orders/{order.number}/print/delivery-note/")
    page.click("button[data-print]")
    assert page.evaluate("window.printed") == 1

    # A report being generated polls its progress and reloads itself (was an inline script).
    report = Report.objects.create(period_start="2026-10-01", period_end="2026-10-31", state=Report.State.RUNNING,
                                   progress=40, requested_by=manager)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    expect(page.locator("[data-testid=progress]")).to_have_attribute("value", "40")
    Report.objects.filter(pk=report.pk).update(progress=70)
    expect(page.locator(".progress-text")).to_have_text("70%")
    Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED, error="统计口径缺失")
    expect(page.locator("#report-progress")).to_contain_text("报表生成失败：统计口径缺失")

    # The admin, including django-import-export's export page and its 全选 toggle.
    for path in ("/admin/", "/admin/customers/customer/", "/admin/inventory/product/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
    page.goto(f"{live_server.url}/admin/customers/customer/export/")
    page.locator("input.select-toggle").uncheck()
    expect(page.locator(".selectable-field-export-row input[type=checkbox]").first).not_to_be_checked()
    assert csp_violations == []


def test_a_locked_login_gets_a_chinese_page_with_the_wait(page, live_server, shop):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "wangfang")
        page.fill("input[name=password]", "not-the-password")
        page.click("button[type=submit]")
        expect(page.locator(".msg.error")).to_be_visible()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "wangfang")
    page.fill("input[name=password]", "pass1234")
    page.click("button[type=submit]")
    box = page.locator("[data-testid=locked-out]")
    expect(box).to_contain_text("登录失败次数过多")
    expect(box).to_contain_text("15 分钟后再试")
    expect(page.locator("body.login")).to_be_visible()
