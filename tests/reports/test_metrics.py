"""Report figures against a small hand-made history with known answers."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from customers.models import CustomerLevel
from fulfillment import services as ff
from inventory.models import PurchaseRequest
from orders import services
from orders.models import Refund
from reports.metrics import compute_report
from reports.periods import month_range
from tests.factories import CarrierFactory, CustomerFactory, ProductFactory, make_order, receive
from tests.fulfillment.conftest import ship_all

pytestmark = pytest.mark.django_db
D = Decimal
TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=TZ)


def walk(order, steps):
    """Fire each (moment, service) at its moment, as the people did."""
    for moment, service in steps:
        with time_machine.travel(moment, tick=False):
            order = service(order=order, user=None)
    return order


@pytest.fixture
def history():
    product = ProductFactory(sku="CHAIR", name="椅子", list_price=D("100.00"))
    receive(product, 1000)
    scarce = ProductFactory(sku="SCARCE", name="稀缺件", list_price=D("50.00"))
    vip = CustomerFactory(level=CustomerLevel.VIP, credit_limit=D("10000000"))
    normal = CustomerFactory(credit_limit=D("10000000"))

    def order(customer, quantity, placed, requested=None, channel="phone", product=product):
        with time_machine.travel(placed, tick=False):
            return make_order(customer=customer, lines=[(product, quantity, None)], channel=channel,
                              requested_delivery_date=requested)

    def deliver(o, approve, ship, transit, done):
        return walk(o, [(approve, services.order_approve), (ship, services.order_ship),
                        (transit, services.order_start_transit), (done, services.order_deliver)])

    # October 2026. A: 10 × ¥100 = ¥1,130, delivered on time (24 h + 24 h + 24 h + 48 h = 120 h).
    a = order(normal, 10, at("2026-10-05"), requested=date(2026, 10, 12), channel="phone")
    deliver(a, at("2026-10-06"), at("2026-10-07"), at("2026-10-08"), at("2026-10-10"))
    # B: 20 × ¥100 = ¥2,260 (VIP pays list here: no level rule), delivered late (240 h).
    # Shipped through the warehouse with a carrier due in 3 days and silent since: the
    # logistics watch flags it 延误 and 疑似丢件 — one order with a logistics exception.
    b = order(vip, 20, at("2026-10-10"), requested=date(2026, 10, 15), channel="online")
    b = walk(b, [(at("2026-10-11"), services.order_approve)])
    with time_machine.travel(at("2026-10-13"), tick=False):
        ship_all(b, {"warehouse": None}, CarrierFactory(code="sf", default_transit_days=3))
    b = walk(b, [(at("2026-10-14"), services.order_start_transit)])
    with time_machine.travel(at("2026-10-18"), tick=False):
        flagged = ff.shipment_exceptions_detect()
    assert {flag.shipment.order_id for flag in flagged} == {b.pk} and len(flagged) == 2
    walk(b, [(at("2026-10-20"), services.order_deliver)])
    # C: placed on 31 Oct at 23:00 local, delivered in November: counts in October's orders,
    # in November's lead times.
    c = order(normal, 5, at("2026-10-31", 23), channel="phone")
    deliver(c, at("2026-11-01", 9), at("2026-11-02"), at("2026-11-03"), at("2026-11-04"))
    # D: cancelled — excluded from revenue, counted in the cancellation rate.
    d = order(normal, 7, at("2026-10-15"))
    with time_machine.travel(at("2026-10-16"), tick=False):
        services.order_cancel(order=d, user=None, reason="客户取消")
    # E: rejected once, then approved; returned goods of ¥226 refunded → revenue net of it.
    e = order(vip, 4, at("2026-10-20"), channel="online")
    with time_machine.travel(at("2026-10-20", 12), tick=False):
        e = services.order_reject(order=e, user=None, reason="地址模糊")
        e = services.order_resubmit(order=e, user=None)
    e = deliver(e, at("2026-10-21"), at("2026-10-22"), at("2026-10-23"), at("2026-10-25"))
    services.payment_record(order=e, user=None, amount=D("452.00"))
    services.refund_record(order=e, user=None, amount=D("226.00"), credit_amount=D("226.00"), reason="退货两件",
                           source=Refund.Source.AFTER_SALES)
    with time_machine.travel(at("2026-10-26"), tick=False):
        services.order_open_after_sales(order=e, user=None, reason="客户退货")
    # F: a shortage at allocation raises a purchase request.
    f = order(normal, 3, at("2026-10-22"), product=scarce)
    with time_machine.travel(at("2026-10-23"), tick=False):
        services.order_approve(order=f, user=None)
    # September: one order of ¥565 (previous month).
    g = order(normal, 5, at("2026-09-10"))
    deliver(g, at("2026-09-11"), at("2026-09-12"), at("2026-09-13"), at("2026-09-14"))
    # October 2025: one order of ¥113 (same month last year).
    order(normal, 1, at("2025-10-10"))
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


@pytest.fixture
def october(history):
    return compute_report(*month_range(date(2026, 10, 1)), monthly=True)


def test_counts_revenue_and_average_order_value(october):
    head = october["headline"]
    # A 1,130 + B 2,260 + C 565 + E (452 − 226 returned) + F 169.50; D cancelled.
    assert head["orders"] == 6
    assert head["revenue"] == "4350.50"
    assert head["average_order_value"] == "870.10"
    assert (head["cancelled"], head["cancellation_rate"]) == (1, round(1 / 6, 4))
    assert (head["returned"], head["return_rate"]) == (1, round(1 / 6, 4))


def test_lead_times_overall_and_per_stage(october):
    lead = october["lead_times"]
    # Delivered in October: A (120 h), B (240 h), E (120 h after its resubmission day's start).
    overall = lead["overall"]
    assert overall["n"] == 3
    assert overall["avg"] == round((120 + 240 + 120) / 3, 1)
    assert overall["p50"] == 120.0
    assert overall["p90"] == 216.0  # interpolated: 120 + 0.8 × (240 − 120)
    stages = {s["key"]: s for s in lead["stages"]}
    assert stages["review"]["avg"] == 24.0
    assert stages["allocation"]["avg"] == 0.0, "现货 orders are allocated the moment they are approved"
    assert stages["warehouse"]["avg"] == round((24 + 48 + 24) / 3, 1)
    assert stages["transit"]["p50"] == 72.0


def test_on_time_rate_against_the_requested_date(october):
    assert october["on_time"] == {"delivered_with_date": 2, "on_time": 1, "rate": 0.5}


def test_order_spanning_the_month_boundary(history):
    november = compute_report(*month_range(date(2026, 11, 1)), monthly=True)
    assert november["headline"]["orders"] == 0
    assert november["lead_times"]["overall"]["n"] == 1
    # Placed 31 Oct 23:00, delivered 4 Nov 10:00 → 83 hours.
    assert november["lead_times"]["overall"]["avg"] == 83.0


def test_exceptions_each_counted_on_their_own(october):
    rows = {r["key"]: (r["orders"], r["rate"]) for r in october["exceptions"]["rows"]}
    one_in_six = round(1 / 6, 4)
    assert rows == {"logistics": (1, one_in_six), "rejected": (1, one_in_six), "after_sales": (1, one_in_six)}


def test_top_short_products(october):
    assert PurchaseRequest.objects.count() == 1
    assert october["short_products"] == [
        {"sku": "SCARCE", "name": "稀缺件", "spec": "标准", "times": 1, "quantity": 3, "orders": 1}
    ]


def test_breakdowns(october):
    channels = {r["label"]: (r["orders"], r["revenue"]) for r in october["breakdowns"]["channel"]}
    assert channels == {"电话": (3, "1864.50"), "线上平台": (2, "2486.00")}
    levels = {r["label"]: r["revenue"] for r in october["breakdowns"]["customer_level"]}
    assert levels == {"VIP": "2486.00", "普通": "1864.50"}
    products = {r["label"]: r["quantity"] for r in october["breakdowns"]["product"]}
    assert products == {"CHAIR 椅子": 39, "SCARCE 稀缺件": 3}


def test_comparison_with_previous_month_and_same_month_last_year(october):
    comparison = {c["key"]: c for c in october["comparison"]}
    assert comparison["orders"]["previous_month"] == 1 and comparison["orders"]["same_month_last_year"] == 1
    assert comparison["orders"]["change_vs_previous"] == 5.0
    assert comparison["revenue"]["previous_month"] == "565.00"
    assert comparison["revenue"]["same_month_last_year"] == "113.00"


def test_trend_has_twelve_months_ending_with_the_period(october):
    trend = october["trend"]
    assert [t["month"] for t in trend][0] == "2025-11" and trend[-1]["month"] == "2026-10"
    assert trend[-1]["orders"] == 6 and trend[-2]["orders"] == 1
