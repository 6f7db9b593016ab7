"""效期: FEFO for expiry-tracked products, expired batches never allocated, minimum shelf life,
lot dates at receipt, the near-expiry report."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockAllocation
from inventory.selectors import near_expiry_batches
from inventory.services import order_shortages, stock_allocate_order, stock_receive
from inventory.services.warehouse_rules import parse_warehouse_codes, warehouse_rule_save
from ordermgmt import roles
from ordermgmt.errors import InsufficientStock, InvalidInput
from tests.factories import CustomerFactory, ProductFactory, WarehouseFactory, make_order, user_with_role

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def lot(product, quantity, *, expires_in, days_ago=1, warehouse=None):
    return stock_receive(
        product=product, warehouse=warehouse or WarehouseFactory(code="WH-TEST"), quantity=quantity, notify=False,
        received_at=timezone.now() - timedelta(days=days_ago),
        production_date=today() - timedelta(days=days_ago + 10), expiry_date=today() + timedelta(days=expires_in),
    )


def taken(order):
    return {a.batch_id: a.quantity for a in StockAllocation.objects.filter(order_line__order=order)}


def test_tracked_products_are_allocated_first_expiry_first_out():
    milk = ProductFactory(tracks_expiry=True)
    received_first_expires_late = lot(milk, 10, expires_in=90, days_ago=30)
    received_last_expires_soon = lot(milk, 10, expires_in=20, days_ago=1)
    order = make_order(lines=[(milk, 12, "1.00")])

    stock_allocate_order(order=order)

    assert taken(order) == {received_last_expires_soon.pk: 10, received_first_expires_late.pk: 2}


def test_untracked_products_stay_fifo_whatever_their_dates():
    bolts = ProductFactory(tracks_expiry=False)
    older = lot(bolts, 10, expires_in=90, days_ago=30)
    lot(bolts, 10, expires_in=20, days_ago=1)
    order = make_order(lines=[(bolts, 4, "1.00")])

    stock_allocate_order(order=order)

    assert taken(order) == {older.pk: 4}


def test_an_expired_batch_is_never_allocated():
    milk = ProductFactory(tracks_expiry=True)
    expired = lot(milk, 100, expires_in=-1, days_ago=60)
    fresh = lot(milk, 5, expires_in=60)
    order = make_order(lines=[(milk, 8, "1.00")])

    assert [(s.required, s.available) for s in order_shortages(order=order)] == [(8, 5)]
    with pytest.raises(InsufficientStock):
        stock_allocate_order(order=order)

    small = make_order(lines=[(milk, 5, "1.00")])
    stock_allocate_order(order=small)
    assert taken(small) == {fresh.pk: 5}
    expired.refresh_from_db()
    assert expired.quantity_allocated == 0


def test_a_batch_expiring_today_may_still_be_sold():
    milk = ProductFactory(tracks_expiry=True)
    last_day = lot(milk, 5, expires_in=0)
    order = make_order(lines=[(milk, 5, "1.00")])

    stock_allocate_order(order=order)

    assert taken(order) == {last_day.pk: 5}


def test_a_customers_minimum_shelf_life_skips_batches_that_expire_sooner():
    milk = ProductFactory(tracks_expiry=True)
    short_dated = lot(milk, 10, expires_in=10)
    long_dated = lot(milk, 10, expires_in=100)
    supermarket = CustomerFactory(min_shelf_life_days=30)
    order = make_order(customer=supermarket, lines=[(milk, 4, "1.00")])

    stock_allocate_order(order=order)

    assert taken(order) == {long_dated.pk: 4}
    short_dated.refresh_from_db()
    assert short_dated.quantity_allocated == 0


def test_a_channels_minimum_shelf_life_applies_to_its_orders():
    milk = ProductFactory(tracks_expiry=True)
    warehouse = WarehouseFactory(code="SH", name="上海仓")
    lot(milk, 10, expires_in=10, warehouse=warehouse)
    warehouse_rule_save(user=None, name="线上", channel="online", min_shelf_life_days=30,
                        warehouses=parse_warehouse_codes("SH"))
    order = make_order(lines=[(milk, 4, "1.00")], channel="online")

    with pytest.raises(InsufficientStock):
        stock_allocate_order(order=order)
    assert [s.available for s in order_shortages(order=order)] == [0]

    long_dated = lot(milk, 10, expires_in=45, warehouse=warehouse)
    stock_allocate_order(order=order)
    assert taken(order) == {long_dated.pk: 4}


def test_receipt_of_a_tracked_product_requires_its_expiry_date():
    milk = ProductFactory(tracks_expiry=True)
    with pytest.raises(InvalidInput, match="有效期至"):
        stock_receive(product=milk, warehouse=WarehouseFactory(code="WH-TEST"), quantity=5)
    with pytest.raises(InvalidInput, match="不能早于生产日期"):
        stock_receive(product=milk, warehouse=WarehouseFactory(code="WH-TEST"), quantity=5,
                      production_date=today(), expiry_date=today() - timedelta(days=1))


def test_the_receipt_form_stores_the_lot_dates(client):
    milk = ProductFactory(tracks_expiry=True)
    warehouse = WarehouseFactory(code="WH-TEST")
    client.force_login(user_with_role(roles.WAREHOUSE))
    form = {"product": milk.pk, "warehouse": warehouse.pk, "quantity": "6"}

    refused = client.post(reverse("inventory:receive"), form)
    assert refused.status_code == 200 and "请填写有效期至" in refused.content.decode()

    expiry = today() + timedelta(days=180)
    client.post(reverse("inventory:receive"), {**form, "production_date": today().isoformat(),
                                                "expiry_date": expiry.isoformat()})
    batch = milk.batches.get()
    assert (batch.production_date, batch.expiry_date) == (today(), expiry)


def test_the_near_expiry_report_lists_expired_and_soon_expiring_batches_soonest_first(client):
    milk, bolts = ProductFactory(tracks_expiry=True, sku="MILK-1"), ProductFactory(sku="BOLT-1")
    expired = lot(milk, 3, expires_in=-2)
    soon = lot(milk, 4, expires_in=10)
    lot(milk, 4, expires_in=200)
    lot(bolts, 4, expires_in=5)  # not expiry-tracked

    assert list(near_expiry_batches(today=today(), within_days=30)) == [expired, soon]

    client.force_login(user_with_role(roles.WAREHOUSE))
    page = client.get(reverse("inventory:near_expiry")).content.decode()
    assert "已过期，报损" in page and "临期，优先销售" in page and "BOLT-1" not in page
