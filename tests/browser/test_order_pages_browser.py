"""In Chromium: what the order and price-rule pages keep, show and hide."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import Product
from ordermgmt import roles
from orders.models import ContractPrice, OrderStatus
from tests.browser.conftest import login, ready_to_ship
from tests.factories import UserFactory, make_order

pytestmark = [pytest.mark.browser]


def test_editing_an_order_keeps_its_requested_delivery_date(page, live_server, shop):
    chair = Product.objects.get(pk=shop["products"][0].pk)
    delivery_date = timezone.localdate() + timedelta(days=20)
    order = make_order(user=shop["users"]["sales"], customer=shop["customer"], lines=[(chair, 1, None)],
                       requested_delivery_date=delivery_date)

    login(page, live_server, "wangfang")
    page.goto(f"{live_server.url}/orders/{order.number}/edit/")
    expect(page.locator("input[name=requested_delivery_date]")).to_have_value(delivery_date.isoformat())
    page.fill("input[name=packaging_note]", "木箱包装")
    page.click("#submit-order")

    expect(page.locator(".msg.success")).to_contain_text("已保存")
    order.refresh_from_db()
    assert order.packaging_note == "木箱包装"
    assert order.requested_delivery_date == delivery_date


def test_editing_a_price_rule_keeps_its_validity_dates(page, live_server, shop):
    UserFactory(username="liqiang", first_name="李强", roles=[roles.MANAGER])
    valid_from, valid_to = timezone.localdate() - timedelta(days=3), timezone.localdate() + timedelta(days=30)
    contract = ContractPrice.objects.create(customer=shop["customer"], product=shop["products"][0],
                                            unit_price=Decimal("11000.00"), valid_from=valid_from, valid_to=valid_to)

    login(page, live_server, "liqiang")
    page.goto(f"{live_server.url}/orders/pricing/contract-prices/{contract.pk}/")
    expect(page.locator("input[name=valid_from]")).to_have_value(valid_from.isoformat())
    expect(page.locator("input[name=valid_to]")).to_have_value(valid_to.isoformat())
    page.fill("input[name=unit_price]", "10800.00")
    page.click("button[type=submit] >> text=保存")

    expect(page.locator(".msg.success")).to_contain_text("已保存")
    contract.refresh_from_db()
    assert contract.unit_price == Decimal("10800.00")
    assert (contract.valid_from, contract.valid_to) == (valid_from, valid_to)


def test_new_customer_fields_are_hidden_until_new_customer_is_ticked(page, live_server, shop):
    login(page, live_server, "wangfang")
    page.goto(f"{live_server.url}/orders/new/")
    name = page.locator("input[name=new_customer_name]")
    level = page.locator("select[name=new_customer_level]")

    expect(name).to_be_hidden()
    expect(level).to_be_hidden()
    page.check("input[name=is_new_customer]")
    expect(name).to_be_visible()
    expect(level).to_be_visible()
    page.uncheck("input[name=is_new_customer]")
    expect(name).to_be_hidden()


def test_an_allocated_order_sent_back_to_review_shows_no_later_step_as_done(page, live_server, shop):
    chair = Product.objects.get(pk=shop["products"][0].pk)
    # ¥60,000: above the manual-review threshold, so the edit leaves it waiting for a reviewer.
    order = make_order(user=shop["users"]["sales"], customer=shop["customer"], lines=[(chair, 5, None)])
    order = ready_to_ship(order, reviewer=shop["users"]["reviewer"], warehouse=None)
    assert order.status == OrderStatus.ALLOCATED

    login(page, live_server, "wangfang")
    page.goto(f"{live_server.url}/orders/{order.number}/")
    expect(page.locator("ol.progress li.done")).to_have_text(["待审核", "已审核"])
    expect(page.locator("ol.progress li.current")).to_have_text("已分配")

    # A changed quantity sends the approved order back to 待审核 (退回重新审核).
    page.goto(f"{live_server.url}/orders/{order.number}/edit/")
    page.fill("input[name='lines-0-quantity']", "6")
    page.click("#submit-order")
    expect(page.locator("[data-testid=order-status]")).to_have_text("待审核")

    expect(page.locator("ol.progress li.done")).to_have_count(0)
    expect(page.locator("ol.progress li.current")).to_have_text("待审核")
