"""Cost of goods from the FIFO batches actually used, and gross margin in the monthly report
(finance and the 主管 only)."""

import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from finance.services import standard_cost_set
from inventory.models import StockBatch
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden
from orders import services
from orders.models import OrderStatus
from reports.metrics import compute_report
from reports.models import Report
from tests.factories import CustomerFactory, ProductFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


def _batch(product, quantity: int, unit_cost: str | None, days_ago: int) -> StockBatch:
    batch = receive(product, quantity, days_ago=days_ago)
    # The purchase price is set when goods are received against a purchase order (purchasing).
    StockBatch.objects.filter(pk=batch.pk).update(unit_cost=D(unit_cost) if unit_cost else None)
    return batch


@pytest.fixture
def sold(django_capture_on_commit_callbacks):
    """5 units sold at ¥100 from two batches: 3 bought at ¥40 (older), then 2 of those at ¥60;
    2 units at ¥80 of a product whose batch has no price (standard cost ¥30); 1 unit of a
    product with no cost at all."""
    two_prices = ProductFactory(sku="FIFO-1", list_price=D("100.00"), standard_cost=D("50.00"))
    _batch(two_prices, 3, "40.00", days_ago=10)
    _batch(two_prices, 10, "60.00", days_ago=1)
    standard = ProductFactory(sku="STD-1", list_price=D("80.00"), standard_cost=D("30.00"))
    _batch(standard, 5, None, days_ago=3)
    uncosted = ProductFactory(sku="NONE-1", list_price=D("10.00"))
    _batch(uncosted, 5, None, days_ago=3)
    customer = CustomerFactory(name="毛利测试客户有限公司")
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(customer=customer, lines=[(two_prices, 5, "100.00"), (standard, 2, "80.00"),
                                                     (uncosted, 1, "10.00")])
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    return services.order_ship(order=order, user=None)


def test_margin_costs_goods_at_the_fifo_batches_actually_used_across_two_prices(sold):
    today = timezone.localdate()
    margin = compute_report(today - timedelta(days=1), today, monthly=False)["margin"]
    # revenue 5×100 + 2×80 + 1×10 = 670; cost 3×40 + 2×60 (FIFO) + 2×30 (standard) + 0 = 300
    assert margin["total"] == {"label": "合计", "revenue": "670.00", "cost": "300.00", "margin": "370.00",
                               "rate": round(370 / 670, 4)}
    assert margin["uncosted_quantity"] == 1
    products = {row["label"].split()[0]: row for row in margin["product"]}
    assert products["FIFO-1"]["cost"] == "240.00" and products["FIFO-1"]["margin"] == "260.00"
    assert products["STD-1"]["cost"] == "60.00"
    assert margin["customer"][0]["label"] == "毛利测试客户有限公司" and margin["customer"][0]["margin"] == "370.00"
    assert margin["order"][0]["label"] == sold.number
    assert margin["channel"][0]["margin"] == "370.00" and margin["owner"][0]["margin"] == "370.00"


def test_goods_not_yet_allocated_are_costed_at_standard_cost():
    product = ProductFactory(list_price=D("100.00"), standard_cost=D("70.00"))
    make_order(lines=[(product, 3, "100.00")])  # no stock, still 待审核
    today = timezone.localdate()
    margin = compute_report(today, today, monthly=False)["margin"]
    assert margin["total"]["cost"] == "210.00" and margin["total"]["margin"] == "90.00"


def test_margin_is_shown_to_finance_and_managers_only(client, sold):
    today = timezone.localdate()
    report = Report.objects.create(period_start=today, period_end=today, state=Report.State.DONE,
                                   data=compute_report(today, today, monthly=False))
    url = reverse("reports:detail", args=[report.pk])
    for role, sees in [(roles.FINANCE, True), (roles.MANAGER, True), (roles.ANALYST, False)]:
        client.force_login(user_with_role(role))
        page = client.get(url).content.decode()
        assert ('data-testid="margin-total"' in page) is sees, role
        sheets = load_workbook(io.BytesIO(client.get(reverse("reports:export", args=[report.pk])).content)).sheetnames
        assert ("毛利概览" in sheets) is sees, role


def test_finance_keeps_the_standard_cost(client):
    product = ProductFactory(sku="SC-1")
    with pytest.raises(ActionForbidden):
        standard_cost_set(user=user_with_role(roles.WAREHOUSE), product=product, standard_cost=D("12.00"))
    finance = user_with_role(roles.FINANCE)
    client.force_login(finance)
    assert "SC-1" in client.get(reverse("finance:standard_costs")).content.decode()
    client.post(reverse("finance:standard_cost_edit", args=[product.pk]), {"standard_cost": "12.50"})
    product.refresh_from_db()
    assert product.standard_cost == D("12.50") and product.history.latest().history_user == finance
