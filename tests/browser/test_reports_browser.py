"""In Chromium: a manager asks for a monthly report, watches it finish and sees its charts."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ordermgmt import roles
from tests.browser.conftest import login
from tests.factories import UserFactory, make_order

pytestmark = [pytest.mark.browser]


def test_manager_opens_the_monthly_report_and_sees_the_charts(page, live_server, shop):
    UserFactory(username="lizhang", first_name="李强", roles=[roles.MANAGER])
    make_order(customer=shop["customer"], lines=[(shop["products"][0], 1, None)])
    login(page, live_server, "lizhang")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    page.click("nav.mainnav >> text=报表")
    page.fill("input[name=month]", timezone.localdate().strftime("%Y-%m"))
    page.click("button:has-text('生成报表')")
    # The task runs on commit (eagerly here, in a worker in production); the page shows the result.
    expect(page.locator("[data-testid=kpis]")).to_contain_text("1")
    charts = page.locator("[data-testid=charts] svg")
    expect(charts).to_have_count(5)
    expect(charts.first).to_contain_text("月度订单量")
    box = charts.first.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    assert download.value.suggested_filename.endswith(".xlsx")
