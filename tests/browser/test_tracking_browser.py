"""In Chromium, on a phone-sized screen: a customer follows an order on the tracking page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fulfillment import services as ff
from fulfillment.models import EventKind
from ordermgmt import roles
from tests.browser.conftest import ready_to_ship
from tests.factories import CarrierFactory, CustomerFactory, ProductFactory, make_order, receive, user_with_role

pytestmark = [pytest.mark.browser]


@pytest.fixture
def order_on_its_way(transactional_db, reference_data, chromium_available, settings):
    settings.SMS_BACKEND = "fulfillment.notifications.sms.LocmemSmsBackend"
    warehouse, logistics = user_with_role(roles.WAREHOUSE), user_with_role(roles.LOGISTICS)
    chair = ProductFactory(name="办公椅")
    receive(chair, 20)
    order = make_order(user=user_with_role(roles.SALES), customer=CustomerFactory(), lines=[(chair, 3, "300.00")],
                       contact_name="王小明", contact_phone="13987654321", ship_province="浙江省", ship_city="杭州市",
                       ship_district="西湖区", ship_address="文三路90号")
    ready_to_ship(order, reviewer=user_with_role(roles.REVIEWER), warehouse=warehouse)
    pick_list = ff.pick_list_create(order=order, user=warehouse)
    ff.pick_list_mark_picked(pick_list=pick_list, user=warehouse)
    ff.pick_list_mark_packed(pick_list=pick_list, user=warehouse)
    carrier = CarrierFactory(name="中通快递", code="zto")
    shipment = ff.pick_list_ship(pick_list=pick_list, user=warehouse, carrier=carrier, tracking_number="ZT880001")
    now = timezone.now()
    ff.shipment_event_record(shipment=shipment, user=logistics, kind=EventKind.PICKED_UP,
                             occurred_at=now - timedelta(hours=6), place="上海嘉定")
    ff.shipment_event_record(shipment=shipment, user=logistics, kind=EventKind.IN_TRANSIT,
                             occurred_at=now - timedelta(hours=1), place="杭州转运中心", note="快件已到达")
    return order


def test_customer_tracks_an_order_and_sees_the_progress_bar(page, live_server, order_on_its_way):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/track/")
    page.fill("#id_number", order_on_its_way.number)
    page.fill("#id_phone_last4", "1234")
    page.click("button[type=submit]")
    expect(page.locator("[data-testid=tracking-error]")).to_contain_text("不正确")
    expect(page.locator("[data-testid=progress]")).to_have_count(0)

    page.fill("#id_number", order_on_its_way.number)
    page.fill("#id_phone_last4", "4321")
    page.click("button[type=submit]")
    expect(page.locator("[data-testid=tracking-status]")).to_have_text("运输中")
    steps = page.locator("[data-testid=progress] li")
    expect(steps).to_have_text(["已下单", "已受理", "已发货", "配送中", "已签收"])
    expect(page.locator("[data-testid=progress] li.current")).to_have_text("配送中")
    expect(page.locator("[data-testid=progress] li.done")).to_have_count(3)
    expect(page.locator("[data-testid=tracking-events] li").first).to_contain_text("杭州转运中心")
    expect(page.locator("[data-testid=masked-contact]")).to_have_text("王** 139****4321")
    expect(page.locator("[data-testid=masked-address]")).to_have_text("浙江省杭州市西湖区****")
    assert "文三路" not in page.content()
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
