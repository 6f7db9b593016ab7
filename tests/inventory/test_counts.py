"""盘点: snapshot, entry, recount, variance report and posting by a 主管."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import CountStatus, StockBatch, StockMovement
from inventory.selectors import count_report
from inventory.services import stock_allocate_order, stock_consume_order
from inventory.services.counts import CountScope, count_cancel, count_post, count_record, count_start
from inventory.services.transfers import transfer_create, transfer_ship
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from tests.factories import ProductFactory, WarehouseFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse():
    return WarehouseFactory(code="WH-TEST", name="上海仓")


def lines_by_batch(count):
    return {line.batch_id: line for line in count.lines.all()}


def test_a_count_snapshots_the_batches_of_its_scope(warehouse):
    from inventory.models import Category

    tools = Category.objects.create(code="T", name="工具")
    hammer, nails = ProductFactory(category=tools, name="锤子"), ProductFactory(name="钉子")
    receive(hammer, 5, warehouse=warehouse)
    receive(nails, 7, warehouse=warehouse)
    receive(hammer, 9, warehouse=WarehouseFactory(code="WH-OTHER"))

    by_category = count_start(scope=CountScope(warehouse=warehouse, category=tools), user=None)
    count_cancel(count=by_category, user=None, reason="范围选错")
    by_search = count_start(scope=CountScope(warehouse=warehouse, product_query="钉子"), user=None)
    whole = CountScope(warehouse=warehouse)

    assert [line.snapshot_quantity for line in by_category.lines.all()] == [5]
    assert [line.snapshot_quantity for line in by_search.lines.all()] == [7]
    with pytest.raises(InvalidInput, match="正在盘点单"):
        count_start(scope=whole, user=None)


def test_posting_accounts_for_movements_after_the_snapshot(warehouse):
    """Counted 8 after 3 were shipped during the count: expected 10 − 3 = 7, variance +1."""
    product = ProductFactory()
    batch = receive(product, 10, warehouse=warehouse)
    count = count_start(scope=CountScope(warehouse=warehouse), user=None, tolerance=1)
    order = make_order(lines=[(product, 3, "1.00")])
    stock_allocate_order(order=order)
    stock_consume_order(order=order)
    line = count.lines.get()
    count_record(count=count, user=None, counted={line.pk: 8})

    (row,) = count_report(count)
    assert (row.line.snapshot_quantity, row.moved, row.expected, row.variance) == (10, -3, 7, 1)
    count_post(count=count, user=None)

    batch.refresh_from_db()
    assert batch.quantity_remaining == 8
    adjustment = StockMovement.objects.get(kind="adjustment")
    assert (adjustment.quantity, adjustment.document) == (1, count.number)
    line.refresh_from_db()
    assert (line.expected_at_posting, line.variance) == (7, 1)


def test_a_line_beyond_the_tolerance_must_be_recounted_before_posting(warehouse):
    product = ProductFactory()
    batch = receive(product, 20, warehouse=warehouse)
    count = count_start(scope=CountScope(warehouse=warehouse), user=None, tolerance=2)
    line = count.lines.get()
    count_record(count=count, user=None, counted={line.pk: 15})

    assert count_report(count)[0].needs_recount
    with pytest.raises(InvalidInput, match="请先复盘"):
        count_post(count=count, user=None)
    count_record(count=count, user=None, counted={}, recounted={line.pk: 19})
    count_post(count=count, user=None)

    batch.refresh_from_db()
    assert batch.quantity_remaining == 19


def test_allocated_stock_can_never_be_counted_away(warehouse):
    product = ProductFactory()
    batch = receive(product, 10, warehouse=warehouse)
    stock_allocate_order(order=make_order(lines=[(product, 6, "1.00")]))
    count = count_start(scope=CountScope(warehouse=warehouse), user=None, tolerance=10)
    count_record(count=count, user=None, counted={count.lines.get().pk: 4})

    with pytest.raises(InvalidInput, match="已有 6 件分配给订单，盘点数量 4 不能少于已分配数量"):
        count_post(count=count, user=None)

    batch.refresh_from_db()
    assert (batch.quantity_remaining, batch.quantity_allocated) == (10, 6)
    count.refresh_from_db()
    assert count.status == CountStatus.COUNTING


def test_posting_needs_every_line_counted_and_is_all_or_nothing(warehouse):
    first, second = receive(ProductFactory(), 5, warehouse=warehouse), receive(ProductFactory(), 5, warehouse=warehouse)
    count = count_start(scope=CountScope(warehouse=warehouse), user=None, tolerance=5)
    lines = lines_by_batch(count)
    count_record(count=count, user=None, counted={lines[first.pk].pk: 3})

    with pytest.raises(InvalidInput, match="还有 1 行未录入"):
        count_post(count=count, user=None)
    assert not StockMovement.objects.filter(kind="adjustment").exists()
    count_record(count=count, user=None, counted={lines[second.pk].pk: 6})
    count_post(count=count, user=None)
    assert sorted(StockBatch.objects.values_list("quantity_remaining", "quantity_received")) == [(3, 5), (6, 6)]
    with pytest.raises(InvalidTransition):
        count_post(count=count, user=None)


def test_the_variance_report_values_by_purchase_price_then_standard_cost_then_list_price(warehouse):
    costed = receive(ProductFactory(list_price=Decimal("9.00")), 10, warehouse=warehouse)
    StockBatch.objects.filter(pk=costed.pk).update(unit_cost=Decimal("5.00"))
    standard = receive(ProductFactory(list_price=Decimal("9.00"), standard_cost=Decimal("4.00")), 10, warehouse=warehouse)
    listed = receive(ProductFactory(list_price=Decimal("9.00")), 10, warehouse=warehouse)
    count = count_start(scope=CountScope(warehouse=warehouse), user=None, tolerance=5)
    lines = lines_by_batch(count)
    count_record(count=count, user=None, counted={lines[b.pk].pk: 8 for b in (costed, standard, listed)})

    report = {row.line.batch_id: (row.value_basis, row.variance_value) for row in count_report(count)}

    assert report == {costed.pk: ("进价", Decimal("-10.00")), standard.pk: ("标准成本", Decimal("-8.00")),
                      listed.pk: ("标准单价", Decimal("-18.00"))}


def test_only_a_manager_posts_a_count(warehouse):
    receive(ProductFactory(), 5, warehouse=warehouse)
    clerk = user_with_role(roles.WAREHOUSE)
    count = count_start(scope=CountScope(warehouse=warehouse), user=clerk)
    count_record(count=count, user=clerk, counted={count.lines.get().pk: 5})

    with pytest.raises(ActionForbidden):
        count_post(count=count, user=clerk)
    assert count_post(count=count, user=user_with_role(roles.MANAGER)).status == CountStatus.POSTED


def test_stock_transferred_out_during_the_count_is_expected_no_more(warehouse):
    product = ProductFactory()
    receive(product, 10, warehouse=warehouse)
    count = count_start(scope=CountScope(warehouse=warehouse), user=None)
    transfer_ship(transfer=transfer_create(source=warehouse, destination=WarehouseFactory(), lines=[(product, 4)],
                                           user=None), user=None)
    count_record(count=count, user=None, counted={count.lines.get().pk: 6})

    count_post(count=count, user=None)

    assert not StockMovement.objects.filter(kind="adjustment").exists(), "no variance: 10 − 4 = 6 counted"


def _posting_statements(warehouse, batches: int) -> int:
    """Statements run by posting a count of ``batches`` batches, each found one more (+1) than
    was ever received."""
    products = [ProductFactory() for _ in range(batches)]
    for product in products:
        receive(product, 10, warehouse=warehouse)
    count = count_start(scope=CountScope(warehouse=warehouse), user=None, tolerance=1)
    count_record(count=count, user=None, counted={line.pk: 11 for line in count.lines.all()})
    with CaptureQueriesContext(connection) as queries:
        count_post(count=count, user=None)
    figures = StockBatch.objects.filter(product__in=products).values_list("quantity_remaining", "quantity_received")
    assert set(figures) == {(11, 11)}
    assert StockMovement.objects.filter(document=count.number, quantity=1).count() == batches
    return len(queries)


def test_posting_writes_the_variances_in_as_many_statements_for_many_batches_as_for_few(warehouse):
    few = _posting_statements(warehouse, 2)
    many = _posting_statements(WarehouseFactory(code="WH-MANY"), 6)
    assert many == few
