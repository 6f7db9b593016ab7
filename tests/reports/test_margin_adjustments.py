"""Gross margin sees what happened to the order after the sale: goods returned and refunded
(their revenue goes, their cost comes back once they are back in stock), compensation and
complaint goodwill (revenue lower, as in the report's 成交额), and freight charged to the
customer (运费收入)."""

import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aftersales import services as aftersales
from aftersales.models import CaseType, Service
from inventory.models import StockBatch
from ordermgmt import roles
from orders import services
from orders.models import FreightRule, OrderStatus, Refund
from orders.services import order_compensate
from reports.margin import margin_report
from reports.metrics import compute_report
from reports.models import Report
from tests.factories import CustomerFactory, ProductFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


def _batch(product, quantity: int, unit_cost: str, days_ago: int) -> StockBatch:
    batch = receive(product, quantity, days_ago=days_ago)
    StockBatch.objects.filter(pk=batch.pk).update(unit_cost=D(unit_cost))
    return batch


def _delivered(django_capture_on_commit_callbacks, quantity: int = 5):
    """``quantity`` units at ¥100 (13 % VAT) from two batches: 3 bought at ¥40, then ¥60."""
    product = ProductFactory(sku="RET-1", list_price=D("100.00"), vat_rate=D("0.13"), standard_cost=D("50.00"))
    _batch(product, 3, "40.00", days_ago=10)
    _batch(product, 10, "60.00", days_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(customer=CustomerFactory(), lines=[(product, quantity, "100.00")])
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    for step in (services.order_ship, services.order_start_transit, services.order_deliver):
        order = step(order=order, user=None)
    return order


def _margin() -> dict:
    today = timezone.localdate()
    return margin_report(today - timedelta(days=1), today)


def _return(order, quantity: int, *, case_type: str = "quality", received: bool = True):
    desk = user_with_role(roles.AFTER_SALES)
    case = aftersales.case_open(order=order, user=desk, service=Service.RETURN_REFUND, case_type=case_type,
                                description="质量问题",
                                lines=[aftersales.CaseLineInput(order_line=order.lines.get(), quantity=quantity)])
    case = aftersales.case_approve(case=case, user=desk)
    if received:
        case = aftersales.case_receive(case=case, user=desk, intact=True, accessories_complete=True)
    return aftersales.case_refund(case=case, user=desk)


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    return _delivered(django_capture_on_commit_callbacks)


def test_a_refunded_and_restocked_partial_return_lowers_revenue_and_cost_by_the_returned_units(delivered):
    before = _margin()
    # revenue 5 × 100; cost 3 × 40 + 2 × 60 = 240 (FIFO), i.e. 48 a unit on this line
    assert (before["total"]["revenue"], before["total"]["cost"]) == ("500.00", "240.00")

    _return(delivered, 2)

    after = _margin()
    assert (after["total"]["revenue"], after["total"]["cost"], after["total"]["margin"]) == ("300.00", "144.00", "156.00")
    assert after["revenue_parts"]["returns"] == "-200.00"
    product = after["product"][0]
    assert (product["label"].split()[0], product["revenue"], product["cost"]) == ("RET-1", "300.00", "144.00")
    assert after["order"][0]["revenue"] == "300.00" and after["customer"][0]["cost"] == "144.00"


def test_returned_goods_not_back_in_stock_lower_revenue_but_keep_their_cost(delivered):
    _return(delivered, 2, case_type=CaseType.MISSING_ITEMS, received=False)  # 少件: nothing comes back

    total = _margin()["total"]
    assert (total["revenue"], total["cost"]) == ("300.00", "240.00")


def test_compensation_and_goodwill_lower_the_revenue_without_vat(delivered):
    order_compensate(order=delivered, user=None, amount=D("113.00"), source=Refund.Source.COMPENSATION,
                     reason="物流破损赔偿")
    order_compensate(order=delivered, user=None, amount=D("56.50"), source=Refund.Source.GOODWILL,
                     reason="投诉补偿")

    margin = _margin()
    # ¥169.50 with 13 % VAT is ¥150.00 of revenue
    assert margin["revenue_parts"]["compensation"] == "-150.00"
    assert (margin["total"]["revenue"], margin["total"]["cost"]) == ("350.00", "240.00")
    assert margin["order"][0]["revenue"] == "350.00" and margin["channel"][0]["revenue"] == "350.00"


def test_freight_charged_to_the_customer_counts_as_revenue(django_capture_on_commit_callbacks):
    FreightRule.objects.create(base_fee=D("20.00"), per_kg_fee=D("0"))
    order = _delivered(django_capture_on_commit_callbacks)
    assert order.freight_amount == D("20.00")

    margin = _margin()
    assert margin["revenue_parts"] == {"goods": "500.00", "returns": "0.00", "compensation": "0.00",
                                       "freight": "20.00"}
    assert (margin["total"]["revenue"], margin["total"]["cost"]) == ("520.00", "240.00")
    assert margin["owner"][0]["revenue"] == "520.00"
    assert margin["product"][0]["revenue"] == "500.00", "freight belongs to the order, not to a product"


def test_the_report_page_shows_how_the_revenue_is_made_up(client, django_capture_on_commit_callbacks):
    FreightRule.objects.create(base_fee=D("20.00"), per_kg_fee=D("0"))
    order = _delivered(django_capture_on_commit_callbacks)
    order_compensate(order=order, user=None, amount=D("11.30"), source=Refund.Source.COMPENSATION, reason="物流延误补偿")
    today = timezone.localdate()
    report = Report.objects.create(period_start=today, period_end=today, state=Report.State.DONE,
                                   data=compute_report(today, today, monthly=False))
    client.force_login(user_with_role(roles.FINANCE))

    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()

    assert 'data-testid="margin-freight">¥20.00' in page
    # ¥11.30 in the order's proportion without VAT: ¥520.00 of ¥586.80 (goods ¥565.00 + freight ¥21.80)
    assert order.total == D("586.80") and order.subtotal == D("520.00")
    assert 'data-testid="margin-compensation">¥-10.01' in page
    sheet = load_workbook(io.BytesIO(client.get(reverse("reports:export", args=[report.pk])).content))["毛利概览"]
    rows = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (rows["运费收入"], rows["赔偿与补偿"]) == (20, pytest.approx(-10.01))
    assert rows["商品收入"] + rows["退货冲减"] + rows["赔偿与补偿"] + rows["运费收入"] == pytest.approx(rows["合计"])
