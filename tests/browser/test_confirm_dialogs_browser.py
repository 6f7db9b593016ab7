"""In Chromium: a form that asks before a destructive step asks once per click."""

import pytest
from playwright.sync_api import expect

from fulfillment import services as ff
from fulfillment.models import PickListStatus
from inventory.models import Product
from ordermgmt import roles
from tests.browser.conftest import login, ready_to_ship
from tests.factories import UserFactory, make_order

pytestmark = [pytest.mark.browser]


def test_voiding_a_pick_list_asks_once_per_click_and_submits_when_confirmed(page, live_server, shop):
    warehouse = UserFactory(username="sunli", first_name="孙丽", roles=[roles.WAREHOUSE])
    chair = Product.objects.get(pk=shop["products"][0].pk)
    order = make_order(user=shop["users"]["sales"], customer=shop["customer"], lines=[(chair, 5, None)])
    order = ready_to_ship(order, reviewer=shop["users"]["reviewer"], warehouse=warehouse)
    pick_list = ff.pick_list_create(order=order, user=warehouse)

    questions = []
    answers = iter([False, True])  # the first click is thought better of, the second confirmed

    def answer(dialog):
        questions.append(dialog.message)
        if next(answers, True):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    login(page, live_server, "sunli")
    page.goto(f"{live_server.url}/fulfillment/picking/{pick_list.pk}/")
    page.fill("#cancel-reason", "客户改了收货地址")

    page.click("button[data-action=cancel]")
    expect(page.locator("[data-testid=pick-status]")).to_be_visible()
    assert questions == ["确定作废该拣货单？"]
    pick_list.refresh_from_db()
    assert pick_list.status == PickListStatus.OPEN, "dismissed: nothing is sent"

    page.click("button[data-action=cancel]")
    expect(page.locator(".msg.success")).to_contain_text("已作废")
    assert questions == ["确定作废该拣货单？", "确定作废该拣货单？"]
    pick_list.refresh_from_db()
    assert pick_list.status == PickListStatus.CANCELLED
