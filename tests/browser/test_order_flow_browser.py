"""In Chromium: sales enters an order with two lines — the customer picked by its initials,
the products by fragments of their SKU, the address pasted as one line —, a reviewer approves it."""

import re

import pytest
from playwright.sync_api import expect

from inventory.models import ProductUnit
from orders.models import Order, OrderStatus
from tests.browser.conftest import login, logout

pytestmark = [pytest.mark.browser]


def _choices(page):
    """The choices of the picker being typed into (each picker's box hangs off <body>)."""
    return page.locator(".autocomplete-light-box:not([hidden]) [data-value]")


def test_sales_enters_an_order_and_reviewer_approves_it(page, live_server, shop):
    login(page, live_server, "wangfang")
    page.click("text=新建订单")
    page.wait_for_url("**/orders/new/")
    page.wait_for_load_state()

    # Pick the customer by typing the initials of 华兴科技 (within 上海华兴科技…), with the
    # keyboard: contact and address are filled in.
    page.fill("input[name=customer-input]", "hxkj")
    expect(_choices(page)).to_have_text(["上海华兴科技有限公司（%s）" % shop["customer"].code])
    page.press("input[name=customer-input]", "ArrowDown")
    page.press("input[name=customer-input]", "Enter")
    expect(page.locator("select[name=customer]")).to_have_value(str(shop["customer"].pk))
    expect(page.locator("input[name=contact_phone]")).to_have_value("13812345678")

    # Products by a fragment of their SKU (P0001 by 0001), one with the mouse, one with the keyboard.
    chair, desk = shop["products"]
    page.fill("input[name='lines-0-product-input']", "0001")
    _choices(page).filter(has_text="办公椅").click()
    expect(page.locator("select[name='lines-0-product']")).to_have_value(str(chair.pk))
    page.fill("input[name='lines-0-quantity']", "3")
    page.click("#add-line")
    expect(page.locator("input[name='lines-1-product-input']")).to_be_focused()
    page.keyboard.type("0002")
    expect(_choices(page)).to_have_text(["P0002 办公桌（1.4米）"])
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("select[name='lines-1-product']")).to_have_value(str(desk.pk))
    page.fill("input[name='lines-1-quantity']", "2")

    # A pasted address line: an unknown city is flagged, a full one fills 省/市/区 and the street.
    page.fill("#address-line", "广东省乌有市某某路1号")
    page.press("#address-line", "Enter")
    expect(page.locator(".address-problem")).to_contain_text("城市")
    page.fill("#address-line", "广东省深圳市南山区科技园路1号")
    page.press("#address-line", "Enter")
    expect(page.locator("input[name=ship_city]")).to_have_value("深圳市")
    expect(page.locator("input[name=ship_province]")).to_have_value("广东省")
    expect(page.locator("input[name=ship_district]")).to_have_value("南山区")
    expect(page.locator("input[name=ship_address]")).to_have_value("科技园路1号")
    expect(page.locator(".address-problem")).to_be_hidden()
    # The price is left to the rules; the page shows which rule priced the line.
    expect(page.locator("input[name='lines-1-unit_price']")).to_have_attribute("placeholder", "12000.00")
    expect(page.locator("tr.line-row").nth(1).locator(".rule-explanation")).to_have_text("标准价 ¥12,000.00")
    page.click("#submit-order")

    expect(page.locator("[data-testid=order-status]")).to_have_text("待审核")
    number = re.search(r"/orders/(\d+)/", page.url).group(1)
    order = Order.objects.get(number=number)
    assert (order.customer_id, order.ship_city, order.ship_address) == (shop["customer"].pk, "深圳市", "科技园路1号")
    assert [line.product_sku for line in order.lines.all()] == ["P0001", "P0002"]
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


def test_the_line_price_preview_follows_the_unit_typed(page, live_server, shop):
    chair, _desk = shop["products"]
    ProductUnit.objects.create(product=chair, name="箱", factor=4)
    login(page, live_server, "wangfang")
    page.goto(f"{live_server.url}/orders/new/")
    page.wait_for_load_state()
    page.fill("input[name='lines-0-product-input']", "0001")
    _choices(page).filter(has_text="办公椅").click()
    page.fill("input[name='lines-0-quantity']", "2")
    row = page.locator("tr.line-row").first
    expect(row.locator(".rule-explanation")).to_have_text("标准价 ¥12,000.00")

    page.fill("input[name='lines-0-unit']", "箱")
    page.press("input[name='lines-0-unit']", "Tab")

    expect(row.locator(".rule-explanation")).to_contain_text("× 4（1 箱 = 4")
    expect(page.locator("input[name='lines-0-unit_price']")).to_have_attribute("placeholder", "48000.00")
    page.fill("input[name='lines-0-unit']", "桶")
    page.press("input[name='lines-0-unit']", "Tab")
    expect(row.locator(".rule-explanation")).to_contain_text("桶")
