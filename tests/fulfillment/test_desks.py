"""The fulfillment desks over HTTP: who sees what, who may do what, nothing lost on bad input."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fulfillment import services as ff
from fulfillment.models import PickList, ProductionOrder, Shipment, ShipmentException
from inventory.models import StockAllocation, StockType
from ordermgmt import roles
from orders import services as order_services
from orders.models import OrderStatus
from tests.factories import CarrierFactory, ProductFactory, WarehouseFactory, make_order, user_with_role
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db


def test_warehouse_picks_packs_and_ships_through_the_pages(client, staff, carrier):
    order = allocated_order(staff, lines=((4, 10),))
    client.force_login(staff["warehouse"])
    queue = client.get("/fulfillment/picking/").content.decode()
    assert order.number in queue and "生成拣货单" in queue
    order_page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'data-action="new-pick-list"' in order_page

    (allocation,) = StockAllocation.objects.filter(order_line__order=order)
    response = client.post(f"/fulfillment/picking/new/{order.number}/", {f"qty_{allocation.pk}": "4", "note": "易碎"})
    pick_list = PickList.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fulfillment/picking/{pick_list.pk}/"
    printable = client.get(response["Location"]).content.decode()
    assert allocation.batch.batch_no in printable and "打印" in printable and "易碎" in printable

    client.post(f"/fulfillment/picking/{pick_list.pk}/do/picked/")
    client.post(f"/fulfillment/picking/{pick_list.pk}/do/packed/", {"package_count": "2"})
    bad = client.post(f"/fulfillment/picking/{pick_list.pk}/ship/",
                      {"carrier": carrier.pk, "tracking_number": "!!", "expected_delivery_date": ""})
    assert bad.status_code == 400 and "物流单号须为" in bad.content.decode()
    assert 'value="!!"' in bad.content.decode(), "what was typed is kept"
    ok = client.post(f"/fulfillment/picking/{pick_list.pk}/ship/",
                     {"carrier": carrier.pk, "tracking_number": "SF31415926", "expected_delivery_date": ""})
    assert ok.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert Shipment.objects.get().tracking_number == "SF31415926"


def test_partial_pick_from_the_page(client, staff):
    order = allocated_order(staff, lines=((4, 10), (2, 5)))
    client.force_login(staff["warehouse"])
    allocations = StockAllocation.objects.filter(order_line__order=order).order_by("order_line__line_no")
    too_many = client.post(f"/fulfillment/picking/new/{order.number}/",
                           {f"qty_{allocations[0].pk}": "9", f"qty_{allocations[1].pk}": "0"})
    assert too_many.status_code == 200 and not PickList.objects.exists()
    client.post(f"/fulfillment/picking/new/{order.number}/",
                {f"qty_{allocations[0].pk}": "1", f"qty_{allocations[1].pk}": "0"})
    assert PickList.objects.get().total_quantity == 1
    assert order.number in client.get("/fulfillment/picking/").content.decode(), "the rest still waits"


def test_production_desk_runs_a_custom_order(client, staff):
    custom = ProductFactory(stock_type=StockType.CUSTOM)
    order = make_order(user=staff["sales"], lines=[(custom, 2, "900")])
    order_services.order_approve(order=order, user=staff["reviewer"])
    client.force_login(staff["production"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    first = ProductionOrder.objects.get()
    assert first.number in page, "approval raised it; the order page lists it"
    assert 'data-action="raise-production"' not in page
    # Cancelled by mistake: the button raises a new one.
    ff.production_order_cancel(production_order=first, user=staff["production"], reason="录错")
    assert 'data-action="raise-production"' in client.get(f"/orders/{order.number}/").content.decode()
    client.post(f"/fulfillment/production/raise/{order.number}/")
    production = ProductionOrder.objects.exclude(pk=first.pk).get()
    url = f"/fulfillment/production/{production.pk}/"
    today = timezone.localdate()
    response = client.post(f"{url}plan/", {"owner": staff["production"].pk, "planned_start": f"{today}",
                                           "planned_finish": f"{today - timedelta(days=1)}"})
    assert response.status_code == 200 and "不能早于" in response.content.decode()
    client.post(f"{url}plan/", {"owner": staff["production"].pk, "planned_start": f"{today}",
                                "planned_finish": f"{today + timedelta(days=3)}"})
    client.post(f"{url}do/start/")
    client.post(f"{url}do/pass_qc/", {"note": "合格"})
    warehouse = WarehouseFactory(code="WH-P")
    client.post(f"{url}do/stock/", {"warehouse": warehouse.pk})
    production.refresh_from_db()
    order.refresh_from_db()
    assert production.status == "stocked" and production.owner == staff["production"]
    assert order.status == OrderStatus.ALLOCATED


def test_logistics_records_events_and_resolves_exceptions_through_the_pages(client, staff, carrier):
    shipment = ship_all(allocated_order(staff), staff, carrier)
    client.force_login(staff["logistics"])
    url = f"/fulfillment/shipments/{shipment.pk}/"
    now = timezone.localtime()
    future = client.post(f"{url}events/", {"kind": "in_transit", "occurred_at": f"{now + timedelta(days=2):%Y-%m-%dT%H:%M}",
                                          "place": "杭州", "note": ""})
    assert future.status_code == 400 and "杭州" in future.content.decode()
    client.post(f"{url}events/", {"kind": "in_transit", "occurred_at": f"{now:%Y-%m-%dT%H:%M}", "place": "杭州"})
    shipment.order.refresh_from_db()
    assert shipment.order.status == OrderStatus.IN_TRANSIT

    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        ff.shipment_exceptions_detect()
    flag = ShipmentException.objects.get(kind="delayed")
    page = client.get("/fulfillment/exceptions/").content.decode()
    assert flag.reason in page and 'data-action="resolve"' in page
    response = client.post(f"/fulfillment/exceptions/{flag.pk}/resolve/",
                           {"resolution": "compensation", "compensation_amount": "20", "note": "客户接受",
                            "next": url})
    assert response.status_code == 302 and response["Location"] == url
    flag.refresh_from_db()
    assert flag.resolution == "compensation" and str(flag.compensation_amount) == "20.00"
    evil = client.post(f"/fulfillment/exceptions/{flag.pk}/resolve/",
                       {"resolution": "compensation", "compensation_amount": "1", "next": "https://evil.example.com/"})
    assert evil["Location"] == "/fulfillment/exceptions/"


@pytest.mark.parametrize(
    "role, url, allowed",
    [
        (roles.PRODUCTION, "/fulfillment/production/", True),
        (roles.SALES, "/fulfillment/production/", False),
        (roles.WAREHOUSE, "/fulfillment/picking/", True),
        (roles.LOGISTICS, "/fulfillment/picking/", True),
        (roles.REVIEWER, "/fulfillment/picking/", False),
        (roles.LOGISTICS, "/fulfillment/shipments/", True),
        (roles.SERVICE, "/fulfillment/shipments/", True),
        (roles.SALES, "/fulfillment/shipments/", False),
        (roles.SERVICE, "/fulfillment/notifications/", True),
        (roles.WAREHOUSE, "/fulfillment/notifications/", False),
        (roles.MANAGER, "/fulfillment/notifications/templates/", True),
        (roles.SERVICE, "/fulfillment/notifications/templates/", False),
        (roles.LOGISTICS, "/fulfillment/exceptions/", True),
    ],
)
def test_each_desk_is_open_to_its_roles_only(client, role, url, allowed):
    client.force_login(user_with_role(role))
    assert client.get(url).status_code == (200 if allowed else 403)


def test_customer_service_sees_shipments_but_cannot_act_on_them(client, staff, carrier):
    shipment = ship_all(allocated_order(staff), staff, carrier)
    client.force_login(staff["service"])
    page = client.get(f"/fulfillment/shipments/{shipment.pk}/").content.decode()
    assert shipment.tracking_number in page
    assert 'data-action="add-event"' not in page and f"/fulfillment/shipments/{shipment.pk}/sign/" not in page
    assert client.post(f"/fulfillment/shipments/{shipment.pk}/events/", {"kind": "in_transit"}).status_code == 403
    assert client.get(f"/fulfillment/shipments/{shipment.pk}/sign/").status_code == 403


def test_warehouse_without_picking_rights_gets_403_on_every_step(client, staff):
    order = allocated_order(staff)
    pick_list = ff.pick_list_create(order=order, user=staff["warehouse"])
    client.force_login(staff["logistics"])  # may look at pick lists, not work them
    page = client.get(f"/fulfillment/picking/{pick_list.pk}/").content.decode()
    assert 'data-action="picked"' not in page
    for step in ("picked", "packed", "cancel"):
        assert client.post(f"/fulfillment/picking/{pick_list.pk}/do/{step}/").status_code == 403
    assert client.post(f"/fulfillment/picking/new/{order.number}/").status_code == 403


def test_navigation_shows_the_desks_of_the_role(client, staff):
    client.force_login(staff["logistics"])
    nav = client.get("/").content.decode().split("</nav>")[0]
    assert "/fulfillment/shipments/" in nav and "/fulfillment/notifications/" in nav
    assert "/fulfillment/production/" not in nav


def test_work_left_for_a_cancelled_order_is_marked_for_cancelling(client, staff):
    order = allocated_order(staff)
    pick_list = ff.pick_list_create(order=order, user=staff["warehouse"])
    order_services.order_cancel(order=order, user=staff["manager"], reason="客户取消")
    client.force_login(staff["warehouse"])
    assert "订单已取消，请作废" in client.get("/fulfillment/picking/").content.decode()
    ff.pick_list_mark_picked(pick_list=pick_list, user=staff["warehouse"])
    ff.pick_list_mark_packed(pick_list=pick_list, user=staff["warehouse"])
    response = client.post(f"/fulfillment/picking/{pick_list.pk}/ship/",
                           {"carrier": CarrierFactory(code="sf").pk, "tracking_number": "SF10000001"})
    assert response.status_code == 400 and "只有已分配的订单可以出库" in response.content.decode()
    assert not Shipment.objects.exists()
