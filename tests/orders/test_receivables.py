"""Receivables ageing (orders/receivables.py): due dates, buckets on a fake clock, money owed
back, further sources, and the review's overdue-debt check reading it."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine

from orders import receivables, services
from orders.models import Order
from orders.receivables import OpenItem, receivables_ageing
from tests.factories import CustomerFactory, ProductFactory, delivered_order, make_order, receive

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 30)


def _delivered_days_ago(customer, days: int, price: str = "100.00") -> Order:
    order = delivered_order(customer=customer, quantity=1, price=price)
    moment = datetime(2026, 6, 30, 15, 0, tzinfo=SHANGHAI) - timedelta(days=days)
    Order.objects.filter(pk=order.pk).update(delivered_at=moment, shipped_at=moment - timedelta(days=1))
    return order


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(2026, 6, 30, 9, 0, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


def test_ageing_buckets_count_days_past_delivery_plus_the_customers_terms(frozen):
    customer = CustomerFactory(payment_terms_days=30)
    # days past due = days since delivery − 30
    for past_due, price in [(0, "10.00"), (1, "20.00"), (30, "30.00"), (31, "40.00"), (90, "50.00"), (91, "60.00")]:
        _delivered_days_ago(customer, 30 + past_due, price)
    row = receivables_ageing(customer_ids=[customer.pk])[customer.pk]
    # Each order's balance is its price + 13% VAT.
    assert row.buckets == {"current": D("11.30"), "d1_30": D("22.60") + D("33.90"), "d31_60": D("45.20"),
                           "d61_90": D("56.50"), "d90_plus": D("67.80")}
    assert row.receivable == D("237.30") and row.overdue == D("226.00")

    frozen.shift(timedelta(days=1))  # tomorrow the order due today is one day late
    row = receivables_ageing(customer_ids=[customer.pk])[customer.pk]
    assert row.buckets["current"] == D("0.00")
    assert row.buckets["d1_30"] == D("11.30") + D("22.60")
    assert row.buckets["d31_60"] == D("33.90") + D("45.20") and row.buckets["d61_90"] == D("0.00")
    assert row.buckets["d90_plus"] == D("56.50") + D("67.80")


def test_due_date_is_the_local_delivery_day_plus_terms_and_unshipped_orders_are_not_due(frozen):
    customer = CustomerFactory(payment_terms_days=15)
    shipped = _delivered_days_ago(customer, 20)
    waiting = make_order(customer=customer)
    items = {item.reference: item for item in receivables.open_items(customer_ids=[customer.pk])}
    assert items[shipped.number].due_date == date(2026, 6, 10) + timedelta(days=15)
    assert items[shipped.number].days_past_due(TODAY) == 5
    assert items[waiting.number].due_date is None and not items[waiting.number].is_overdue(TODAY)


def test_money_paid_beyond_an_order_is_owed_back_and_nets_the_balance_not_the_buckets(frozen):
    customer = CustomerFactory(payment_terms_days=30)
    order = _delivered_days_ago(customer, 45)
    other = _delivered_days_ago(customer, 10)
    services.payment_record(order=order, user=None, amount=D("113.00"))
    services.refund_record(order=order, user=None, amount=D("0"), credit_amount=D("13.00"), reason="退回部分",
                           source="after_sales")
    row = receivables_ageing(customer_ids=[customer.pk])[customer.pk]
    other.refresh_from_db()
    assert row.receivable == other.balance_due == D("113.00") and row.buckets["current"] == D("113.00")
    assert row.owed_back == D("-13.00") and row.net == D("100.00")


@pytest.fixture
def extra_source():
    """A further kind of receivable (as an opening receivable of the finance app would be)."""
    saved = dict(receivables._sources)
    entries: list[OpenItem] = []
    receivables.register_open_item_source("test_opening", lambda *, customer_ids, today: [
        e for e in entries if customer_ids is None or e.customer_id in customer_ids])
    yield entries
    receivables._sources.clear()
    receivables._sources.update(saved)


def test_further_sources_join_the_ageing(frozen, extra_source):
    customer = CustomerFactory(payment_terms_days=30)
    extra_source.append(OpenItem(customer.pk, "opening", "QC-001", date(2026, 1, 1), D("500.00"), date(2026, 3, 1)))
    row = receivables_ageing(customer_ids=[customer.pk])[customer.pk]
    assert row.buckets["d90_plus"] == D("500.00")


def test_overdue_check_of_the_review_reads_the_receivables_ageing(django_capture_on_commit_callbacks, extra_source):
    """The check lists what the ageing lists: here an order 15 days late and a receivable of
    another source (as an opening balance would be), 121 days late, named first as the oldest."""
    customer = CustomerFactory(payment_terms_days=30)
    late = delivered_order(customer=customer, quantity=1, price="100.00")
    Order.objects.filter(pk=late.pk).update(delivered_at=late.delivered_at - timedelta(days=45))
    today = date.today()
    extra_source.append(OpenItem(customer.pk, "opening", "QC-009", today - timedelta(days=151), D("800.00"),
                                 today - timedelta(days=121)))
    product = ProductFactory(list_price=D("100.00"))
    receive(product, 10)
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(customer=customer, lines=[(product, 1, "100.00")])
    check = order.checks.get(name="overdue")
    assert check.result == "warn" and check.needs_override
    assert check.figures["orders"] == ["QC-009", late.number]
    assert "最早 QC-009 已逾期 121 天" in check.message and "¥913.00" in check.message
