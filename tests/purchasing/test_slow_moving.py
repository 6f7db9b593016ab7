"""The slow-moving stock (积压) report: quantity and value by batch age and by days since the
last movement, per warehouse and category, and its Excel export."""

import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from inventory.models import Category
from inventory.services import stock_adjust, stock_receive
from ordermgmt import roles
from purchasing import selectors
from tests.factories import ProductFactory, WarehouseFactory, user_with_role

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def stock():
    tools = Category.objects.create(code="T", name="工具")
    drill = ProductFactory(sku="DRILL", category=tools, standard_cost=Decimal("8.00"))
    glue = ProductFactory(sku="GLUE")
    shanghai, guangzhou = WarehouseFactory(code="SH", name="上海仓"), WarehouseFactory(code="GZ", name="广州仓")
    with time_machine.travel(TODAY - timedelta(days=200), tick=False):
        old = stock_receive(product=drill, warehouse=shanghai, quantity=10)  # no purchase price: standard cost
    with time_machine.travel(TODAY - timedelta(days=20), tick=False):
        stock_adjust(batch=old, counted_quantity=9, reason="盘点")  # moved 20 days ago
    with time_machine.travel(TODAY - timedelta(days=100), tick=False):
        idle = stock_receive(product=glue, warehouse=guangzhou, quantity=5)
    idle.unit_cost = Decimal("2.50")
    idle.save()
    return old, idle


def test_batches_are_aged_by_receipt_and_by_last_movement_and_valued(stock):
    old, idle = stock
    with time_machine.travel(TODAY, tick=False):
        rows = selectors.slow_moving_batches()
    assert [(r.batch, r.age_days, r.idle_days, r.value) for r in rows] == [
        (idle, 100, 100, Decimal("12.50")), (old, 200, 20, Decimal("72.00"))]
    by_idle = {(g["warehouse"], g["category"]): g for g in selectors.slow_moving_summary(rows, by="idle")}
    assert by_idle[("上海仓", "工具")]["buckets"]["0–30天"] == [9, Decimal("72.00")]
    assert by_idle[("广州仓", "未分类")]["buckets"]["91–180天"] == [5, Decimal("12.50")]
    by_age = {(g["warehouse"], g["category"]): g for g in selectors.slow_moving_summary(rows, by="age")}
    assert by_age[("上海仓", "工具")]["buckets"]["181–365天"] == [9, Decimal("72.00")]
    with time_machine.travel(TODAY, tick=False):
        assert [r.batch for r in selectors.slow_moving_batches(min_idle_days=60)] == [idle]


def test_the_report_page_and_its_excel_export(client, stock):
    client.force_login(user_with_role(roles.ANALYST))
    page = client.get("/purchasing/slow-moving/?by=age")
    assert page.status_code == 200 and "181–365天" in page.content.decode()
    export = client.get("/purchasing/slow-moving/?by=idle&format=xlsx")
    sheets = load_workbook(io.BytesIO(export.content))
    assert sheets.sheetnames == ["汇总", "批次明细"]
    assert {row[2] for row in sheets["批次明细"].iter_rows(min_row=2, values_only=True)} == {"DRILL", "GLUE"}
    client.force_login(user_with_role(roles.SALES))
    assert client.get("/purchasing/slow-moving/").status_code == 403
