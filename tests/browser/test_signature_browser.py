"""In Chromium: the 物流专员 records a delivery with a signature drawn on the page."""

import pytest
from playwright.sync_api import expect

from fulfillment import services as ff
from fulfillment.models import DeliveryProof
from ordermgmt import roles
from orders import services as order_services
from orders.models import OrderStatus
from tests.browser.conftest import login, ready_to_ship
from tests.factories import CarrierFactory, ProductFactory, make_order, receive, user_with_role

pytestmark = [pytest.mark.browser]


@pytest.fixture
def shipment_in_transit(transactional_db, reference_data, chromium_available, settings):
    settings.SMS_BACKEND = "fulfillment.notifications.sms.LocmemSmsBackend"
    warehouse = user_with_role(roles.WAREHOUSE)
    user_with_role(roles.LOGISTICS, username="sunli")
    product = ProductFactory()
    receive(product, 5)
    order = make_order(user=user_with_role(roles.SALES), lines=[(product, 2, "100.00")])
    ready_to_ship(order, reviewer=user_with_role(roles.REVIEWER), warehouse=warehouse)
    pick_list = ff.pick_list_create(order=order, user=warehouse)
    ff.pick_list_mark_picked(pick_list=pick_list, user=warehouse)
    ff.pick_list_mark_packed(pick_list=pick_list, user=warehouse)
    shipment = ff.pick_list_ship(pick_list=pick_list, user=warehouse, carrier=CarrierFactory(code="sf"),
                                 tracking_number="SF660001")
    order_services.order_start_transit(order=order, user=None)
    return shipment


def test_logistics_signs_for_a_delivery_with_a_drawn_signature(page, live_server, shipment_in_transit):
    login(page, live_server, "sunli")
    page.goto(f"{live_server.url}/fulfillment/shipments/{shipment_in_transit.pk}/sign/")
    expect(page.locator("#abnormal-fields")).to_be_hidden()
    page.fill("input[name=receiver_name]", "前台 王女士")
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 60)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 40 + step * 30, box["y"] + 60 + (step % 3) * 25)
    page.mouse.up()
    page.click("button[data-action=sign]")

    expect(page.locator("[data-testid=shipment-status]")).to_have_text("已签收")
    proof = DeliveryProof.objects.get()
    (signature,) = proof.files.all()
    assert signature.kind == "signature" and signature.content_type == "image/png" and signature.size > 500
    shipment_in_transit.order.refresh_from_db()
    assert shipment_in_transit.order.status == OrderStatus.DELIVERED
    image = page.locator(".proof-files img")
    image.scroll_into_view_if_needed()
    expect(image).to_have_js_property("naturalWidth", 600)  # the private file is served to staff


def test_abnormal_receipt_fields_appear_when_the_goods_are_damaged(page, live_server, shipment_in_transit):
    login(page, live_server, "sunli")
    page.goto(f"{live_server.url}/fulfillment/shipments/{shipment_in_transit.pk}/sign/")
    page.select_option("select[name=condition]", "damaged")
    expect(page.locator("#abnormal-fields")).to_be_visible()
    page.fill("input[name=receiver_name]", "张三")
    page.fill("textarea[name=note]", "外箱破损")
    page.click("button[data-action=sign]")
    expect(page.locator(".msg.error")).to_contain_text("异常照片")
    expect(page.locator("input[name=receiver_name]")).to_have_value("张三")
    expect(page.locator("#abnormal-fields")).to_be_visible()
