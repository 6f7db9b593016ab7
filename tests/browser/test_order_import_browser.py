"""In Chromium: a clerk downloads the template, fills it, sees a row error, fixes it and imports."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from orders.models import Channel, Order, OrderStatus
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser]


def test_clerk_imports_orders_from_the_template_after_fixing_a_row_error(page, live_server, shop, tmp_path):
    login(page, live_server, "wangfang")
    page.goto(f"{live_server.url}/orders/")
    page.click("text=批量导入")

    with page.expect_download() as download_info:
        page.click("[data-testid=download-template]")
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)

    workbook = load_workbook(template)
    sheet = workbook["订单导入"]
    sheet.append(["HX-1101", "上海华兴科技有限公司", "李四", "13900001111", "浙江省杭州市西湖区文三路90号",
                  "P0001", "办公椅", "", 3, 120, "否", None, "不开票", None, "月结", "前台签收"])
    sheet.append(["HX-1101", None, None, None, None, "P0002", None, None, "两张", None, None, None, None, None, None, None])
    filled = tmp_path / "华兴订单.xlsx"
    workbook.save(filled)

    page.set_input_files("input[name=file]", str(filled))
    page.click("#upload-submit")
    expect(page.locator("[data-testid=import-status]")).to_have_text("有错误")
    problems = page.locator("[data-testid=problems] tr.problem-error")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("4")
    expect(problems.first).to_contain_text("数量")
    expect(problems.first).to_contain_text("两张")
    expect(problems.first).to_contain_text("数量不是数字")
    expect(page.locator("[data-testid=confirm-import]")).to_have_count(0)
    assert Order.objects.count() == 0

    sheet["I4"] = 2
    workbook.save(filled)
    page.goto(f"{live_server.url}/orders/imports/")
    page.set_input_files("input[name=file]", str(filled))
    page.click("#upload-submit")
    expect(page.locator("[data-testid=import-status]")).to_have_text("待确认")
    expect(page.locator("[data-testid=order-count]")).to_have_text("1")
    expect(page.locator("[data-testid=line-count]")).to_have_text("2")
    expect(page.locator("[data-testid=preview]")).to_contain_text("HX-1101")

    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=confirm-import]")
    expect(page.locator("[data-testid=import-status]")).to_have_text("已导入")
    page.locator("[data-testid=created-orders] a").first.click()
    expect(page.locator("[data-testid=order-status]")).to_have_text("待审核")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("导入记录")

    order = Order.objects.get()
    assert order.channel == Channel.IMPORT and order.status == OrderStatus.PENDING_REVIEW
    assert [(l.product_sku, l.quantity) for l in order.lines.all()] == [("P0001", 3), ("P0002", 2)]
