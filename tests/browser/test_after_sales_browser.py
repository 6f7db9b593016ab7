"""In Chromium: a customer asks for a return on the tracking page; the after-sales desk
approves it, checks the goods in, refunds and closes it."""

import pytest
from playwright.sync_api import expect

from aftersales.models import AfterSalesCase, CaseStatus
from fulfillment.tracking import tracking_token
from ordermgmt import roles
from orders.models import OrderStatus
from tests.browser.conftest import login
from tests.factories import UserFactory, delivered_order

pytestmark = [pytest.mark.browser]


def test_customer_requests_a_return_and_staff_complete_it(page, live_server, shop):
    UserFactory(username="zhengmin", first_name="郑敏", roles=[roles.AFTER_SALES])
    order = delivered_order(quantity=3, customer=shop["customer"])
    line = order.lines.get()

    # The customer, on a phone, from the link in the delivery notice.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/track/s/{tracking_token(order)}/")
    page.click("[data-testid=after-sales-request] summary")
    page.select_option("select[name=service]", "return_refund")
    page.select_option("select[name=case_type]", "quality")
    page.fill(f"input[name=qty_{line.pk}]", "1")
    page.fill("textarea[name=description]", "桌面有裂纹")
    page.click("[data-testid=submit-after-sales]")
    expect(page.locator(".notice.success")).to_contain_text("售后申请已提交")
    expect(page.locator("[data-testid=customer-cases]")).to_contain_text("待审核")
    case = AfterSalesCase.objects.get()

    # The after-sales desk.
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "zhengmin")
    expect(page.locator("[data-testid=case-queue]")).to_contain_text(case.number)
    page.click(f"[data-testid=case-queue] >> text={case.number}")
    page.click("button[data-action=approve]")
    expect(page.locator("[data-testid=case-status]")).to_have_text("待退货")
    page.check("input[name=intact]")
    page.check("input[name=accessories_complete]")
    page.click("button[data-action=receive]")
    expect(page.locator("[data-testid=case-status]")).to_have_text("检验合格")
    expect(page.locator("[data-testid=refund-quote]")).to_contain_text("¥113.00")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button[data-action=refund]")
    expect(page.locator("[data-testid=case-status]")).to_have_text("已处理")
    page.click("button[data-action=close]")
    expect(page.locator("[data-testid=case-status]")).to_have_text("已结案")
    expect(page.locator("[data-testid=case-timeline] li")).to_have_count(5)

    case.refresh_from_db()
    order.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and order.status == OrderStatus.DELIVERED
    assert str(order.returned_amount) == "113.00"
