"""The order list's own searches (issue 16): by SKU, tracking number, receiver's name,
region and amount range, and the orders with a balance due — each alone and combined with
the other filters, on the list page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import Shipment
from ordermgmt import roles
from orders.models import Order
from tests.factories import CarrierFactory, CustomerFactory, ProductFactory, make_order, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(db):
    chair = ProductFactory(sku="OF-2001", name="办公椅", list_price=Decimal("100.00"))
    rebar = ProductFactory(sku="GB-1001", name="螺纹钢", list_price=Decimal("100.00"))
    shenzhen = make_order(lines=[(chair, 1, "100.00")], contact_name="李娜", ship_province="广东省",
                          ship_city="深圳市", ship_district="南山区")
    hangzhou = make_order(lines=[(rebar, 30, "100.00")], contact_name="张伟", ship_province="浙江省",
                          ship_city="杭州市", ship_district="西湖区")
    shanghai = make_order(lines=[(chair, 2, "100.00"), (rebar, 1, "100.00")], contact_name="张三")
    Shipment.objects.create(order=hangzhou, carrier=CarrierFactory(), tracking_number="SF1234567890",
                            shipped_at=timezone.now(), expected_delivery_date=timezone.localdate() + timedelta(days=3))
    return {"shenzhen": shenzhen, "hangzhou": hangzhou, "shanghai": shanghai}


def _listed(client, **params) -> set[str]:
    client.force_login(user_with_role(roles.SALES))
    response = client.get(reverse("orders:list"), params)
    assert response.status_code == 200
    return {order.number for order in response.context["page"].object_list}


def _numbers(*orders: Order) -> set[str]:
    return {order.number for order in orders}


def test_a_sku_or_its_start_finds_the_orders_with_such_a_line(client, orders):
    assert _listed(client, sku="OF-2001") == _numbers(orders["shenzhen"], orders["shanghai"])
    assert _listed(client, sku="gb-") == _numbers(orders["hangzhou"], orders["shanghai"])


def test_a_tracking_number_finds_the_order_shipped_under_it(client, orders):
    assert _listed(client, tracking="SF1234567890") == _numbers(orders["hangzhou"])
    assert _listed(client, tracking="SF123") == set()  # the whole number, not a fragment


def test_the_receivers_whole_name_finds_their_orders(client, orders):
    # The name is encrypted: found through its blind index, the whole name only.
    assert _listed(client, contact="张伟") == _numbers(orders["hangzhou"])
    assert _listed(client, contact=" 李娜 ") == _numbers(orders["shenzhen"])
    assert _listed(client, contact="张") == set()


def test_a_province_city_or_district_with_or_without_its_suffix_finds_the_orders_shipped_there(client, orders):
    assert _listed(client, region="广东省") == _numbers(orders["shenzhen"])
    assert _listed(client, region="广东") == _numbers(orders["shenzhen"])
    assert _listed(client, region="杭州") == _numbers(orders["hangzhou"])
    assert _listed(client, region="上海市") == _numbers(orders["shanghai"])
    assert _listed(client, region="上海") == _numbers(orders["shanghai"])
    assert _listed(client, region="南山区") == _numbers(orders["shenzhen"])
    assert _listed(client, region="西湖区") == _numbers(orders["hangzhou"])
    assert _listed(client, region="乌有之乡") == set()


def test_an_amount_range_finds_the_orders_whose_total_lies_within_it(client, orders):
    # Totals incl. 13 % VAT: 113.00, 3,390.00 and 339.00.
    assert _listed(client, amount_min="300", amount_max="400") == _numbers(orders["shanghai"])
    assert _listed(client, amount_min="1000") == _numbers(orders["hangzhou"])
    assert _listed(client, amount_max="113") == _numbers(orders["shenzhen"])


def test_the_unpaid_filter_leaves_out_orders_paid_in_full(client, orders):
    Order.objects.filter(pk=orders["shenzhen"].pk).update(paid_amount=orders["shenzhen"].total)
    assert _listed(client, unpaid="1") == _numbers(orders["hangzhou"], orders["shanghai"])


def test_the_searches_combine_with_each_other_and_the_other_filters(client, orders):
    assert _listed(client, sku="GB-1001", contact="张伟", region="浙江") == _numbers(orders["hangzhou"])
    assert _listed(client, sku="GB-1001", status="cancelled") == set()


def test_the_owner_filter_is_a_picker_that_renders_only_the_chosen_user(client, orders):
    chosen = user_with_role(roles.SALES, username="owner-chosen")
    user_with_role(roles.SALES, username="owner-other")
    client.force_login(user_with_role(roles.MANAGER))
    html = client.get(reverse("orders:list"), {"owner": chosen.pk}).content.decode()
    assert "owner-chosen" in html and "owner-other" not in html
    assert reverse("portal:user_picker") in html and "dal_alight/autocomplete-light.js" in html
