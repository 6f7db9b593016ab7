import pytest

from inventory.models import StockAllocation, StockBatch
from inventory.services import order_shortages, stock_allocate_order, stock_release_order
from ordermgmt.errors import InsufficientStock
from tests.factories import ProductFactory, make_order, receive

pytestmark = pytest.mark.django_db


def test_fifo_takes_the_oldest_batch_first():
    product = ProductFactory()
    newer = receive(product, 10, days_ago=1)
    older = receive(product, 10, days_ago=30)
    order = make_order(lines=[(product, 4, "10.00")])

    stock_allocate_order(order=order)

    allocation = StockAllocation.objects.get(order_line__order=order)
    assert allocation.batch == older and allocation.quantity == 4
    newer.refresh_from_db()
    assert newer.quantity_allocated == 0


def test_fifo_spans_batches_in_age_order():
    product = ProductFactory()
    middle = receive(product, 5, days_ago=10)
    oldest = receive(product, 3, days_ago=20)
    newest = receive(product, 50, days_ago=1)
    order = make_order(lines=[(product, 10, "10.00")])

    stock_allocate_order(order=order)

    taken = {a.batch_id: a.quantity for a in StockAllocation.objects.filter(order_line__order=order)}
    assert taken == {oldest.pk: 3, middle.pk: 5, newest.pk: 2}


def test_shortage_allocates_nothing_and_names_the_line():
    plenty, scarce = ProductFactory(), ProductFactory(sku="SCARCE-1", name="稀缺件")
    receive(plenty, 100)
    receive(scarce, 2)
    order = make_order(lines=[(plenty, 5, "1.00"), (scarce, 5, "1.00")])

    with pytest.raises(InsufficientStock) as error:
        stock_allocate_order(order=order)

    assert "SCARCE-1" in str(error.value) and "缺 3" in str(error.value)
    assert [s.missing for s in error.value.shortages] == [3]
    assert not StockAllocation.objects.exists()
    assert sum(StockBatch.objects.values_list("quantity_allocated", flat=True)) == 0
    assert [s.line_no for s in order_shortages(order=order)] == [2]


def test_two_lines_of_the_same_product_share_the_stock():
    product = ProductFactory()
    receive(product, 5)
    order = make_order(lines=[(product, 3, "1.00"), (product, 3, "1.00")])
    assert [s.missing for s in order_shortages(order=order)] == [1]
    with pytest.raises(InsufficientStock):
        stock_allocate_order(order=order)


def test_allocated_stock_is_not_available_to_the_next_order():
    product = ProductFactory()
    receive(product, 5)
    first, second = make_order(lines=[(product, 4, "1.00")]), make_order(lines=[(product, 4, "1.00")])
    stock_allocate_order(order=first)
    with pytest.raises(InsufficientStock):
        stock_allocate_order(order=second)
    assert stock_release_order(order=first) == 4
    stock_allocate_order(order=second)
    assert StockBatch.objects.get(product=product).quantity_allocated == 4
