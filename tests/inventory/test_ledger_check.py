"""Batch quantities equal their ledger: ``stock_ledger_check`` proves it and finds a change
made behind the services' back."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from inventory.models import StockBatch
from inventory.services import stock_adjust, stock_allocate_order, stock_consume_order
from tests.factories import ProductFactory, UserFactory, make_order, receive

pytestmark = pytest.mark.django_db


def ledger_check() -> str:
    out = io.StringIO()
    call_command("stock_ledger_check", stdout=out)
    return out.getvalue()


def test_ledger_check_passes_on_the_demo_data_with_a_transfer_in_transit_and_a_count_in_progress():
    from inventory.models import CountStatus, StockCount, TransferOrder, TransferStatus
    from inventory.selectors import count_report, in_transit_quantities

    call_command("seed_demo", stdout=io.StringIO())

    assert "核对通过" in ledger_check()
    transit = TransferOrder.objects.get(status=TransferStatus.SHIPPED)
    assert (transit.source.code, transit.destination.code) == ("WH-SH", "WH-GZ")
    assert sum(in_transit_quantities().values()) == 10
    assert TransferOrder.objects.get(status=TransferStatus.RECEIVED).lines.exclude(difference_reason="").count() == 1
    count = StockCount.objects.get(status=CountStatus.COUNTING)
    rows = count_report(count)
    assert any(row.moved for row in rows), "goods left during the count"
    assert [row.needs_recount for row in rows].count(True) == 1
    assert sum(row.line.final_quantity is None for row in rows) == 1


def test_ledger_check_passes_after_receipts_shipments_and_counts_through_the_services():
    product = ProductFactory()
    batch = receive(product, 10)
    order = make_order(lines=[(product, 4, "1.00")])
    stock_allocate_order(order=order)
    stock_consume_order(order=order)
    stock_adjust(batch=batch, counted_quantity=12, reason="盘盈")  # above what was ever received
    stock_adjust(batch=batch, counted_quantity=9, reason="盘亏")

    assert "1 个批次与流水一致" in ledger_check()


def test_ledger_check_fails_on_a_planted_direct_update_and_names_the_batch():
    product = ProductFactory()
    batch = receive(product, 10)
    receive(product, 5)
    StockBatch.objects.filter(pk=batch.pk).update(quantity_remaining=7)

    out = io.StringIO()
    with pytest.raises(CommandError, match="1 个批次"):
        call_command("stock_ledger_check", stdout=out)

    assert f"{batch.batch_no}: quantity_remaining = 7，流水计算 = 10（差 -3）" in out.getvalue()


def test_ledger_check_finds_received_and_allocated_counters_that_nothing_explains():
    product = ProductFactory()
    batch = receive(product, 10)
    StockBatch.objects.filter(pk=batch.pk).update(quantity_received=20, quantity_allocated=2)

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("stock_ledger_check", stdout=out)

    assert "quantity_received = 20" in out.getvalue() and "quantity_allocated = 2" in out.getvalue()


def test_the_admin_shows_batch_quantities_read_only_and_adds_no_batch(client):
    batch = receive(ProductFactory(), 10)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:inventory_stockbatch_change", args=[batch.pk])

    page = client.get(url).content.decode()
    client.post(url, {"batch_no": batch.batch_no, "quantity_remaining": 99, "quantity_received": 99,
                      "production_date": "", "expiry_date": "", "unit_cost": ""})

    assert 'name="quantity_remaining"' not in page and 'name="quantity_received"' not in page
    batch.refresh_from_db()
    assert (batch.quantity_received, batch.quantity_remaining) == (10, 10)
    assert client.get(reverse("admin:inventory_stockbatch_add")).status_code == 403
