"""In Chromium: sales enters an order with two lines, a reviewer approves it."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order, OrderStatus
from tests.browser.conftest import login, logout

pytestmark = [pytest.mark.browser]


def test_sales_enters_an_order_and_reviewer_approves_it(page, live_server, shop):
    login(page, live_server, "wangfang")
    page.click("text=新建订单")
    page.wait_for_url("**/orders/new/")
    page.wait_for_load_state()

    # Pick the customer by typing its pinyin initials: contact and address are filled in.
    page.fill("#customer-search", "shhx")
    page.click("#customer-results li >> text=上海华兴科技有限公司")
    expect(page.locator("input[name=contact_phone]")).to_have_value("13812345678")

    chair, desk = shop["products"]
    page.select_option("select[name='lines-0-product']", str(chair.pk))
    page.fill("input[name='lines-0-quantity']", "3")
    page.click("#add-line")
    page.select_option("select[name='lines-1-product']", str(desk.pk))
    page.fill("input[name='lines-1-quantity']", "2")
    # The price is left to the rules; the page shows which rule priced the line.
    expect(page.locator("input[name='lines-1-unit_price']")).to_have_attribute("placeholder", "12000.00")
    expect(page.locator("tr.line-row").nth(1).locator(".rule-explanation")).to_have_text("标准价 ¥12,000.00")
    page.click("#submit-order")

    expect(page.locator("[data-testid=order-status]")).to_have_text("待审核")
    number = re.search(r"/orders/(\d+)/", page.url).group(1)
    expect(page.locator("[data-testid=order-total]")).to_have_text("¥67,800.00")  # 5 × 12,000 + 13%
    expect(page.locator("[data-testid=waiting-reason]")).to_contain_text("超过人工审核阈值")
    logout(page)

    login(page, live_server, "zhaolei")
    expect(page.locator("table.orders")).to_contain_text(number)
    page.click(f"text={number}")
    page.fill("form[action$='/do/approve/'] input[name=reason]", "资料齐全，同意")
    page.click("button[data-action=approve]")

    # Approval locks the stock at once (现货): the system allocates it.
    expect(page.locator("[data-testid=order-status]")).to_have_text("已分配")
    timeline = page.locator("[data-testid=timeline] li")
    expect(timeline).to_have_count(4)
    expect(timeline.nth(0)).to_contain_text("提交审核")
    expect(timeline.nth(0)).to_contain_text("王")
    expect(timeline.nth(1)).to_contain_text("超过人工审核阈值")
    expect(timeline.nth(2)).to_contain_text("审核通过")
    expect(timeline.nth(2)).to_contain_text("资料齐全，同意")
    expect(timeline.nth(3)).to_contain_text("系统")
    assert Order.objects.get(number=number).status == OrderStatus.ALLOCATED
