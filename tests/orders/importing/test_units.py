"""The import accepts any unit of a product (单位 column: name or barcode) and stores the base quantity."""

from decimal import Decimal

import pytest

from inventory.models import ProductUnit
from orders.models import Order

from .conftest import good_row, xlsx
from .helpers import check, errors_at
from .test_import import confirm, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def chairs_by_the_pack(shop):
    ProductUnit.objects.create(product=shop["chair"], name="包", factor=4, barcode="6900000000017")
    return shop


def test_a_line_in_another_unit_is_imported_with_its_base_quantity(chairs_by_the_pack):
    shop = chairs_by_the_pack
    job = upload(shop["sales"], xlsx([good_row(quantity=3, unit="6900000000017", unit_price=None),
                                      good_row(sku="P0002", quantity=1, unit="件", unit_price=None)]))
    assert job.status == job.Status.READY

    confirm(job, shop["sales"])

    first, second = Order.objects.get().lines.order_by("line_no")
    assert (first.sales_quantity, first.sales_unit, first.quantity, first.unit_price) == (3, "包", 12, Decimal("1200.00"))
    assert (second.sales_unit, second.quantity, second.ordered_unit) == ("", 1, "件")  # the base unit by name


def test_an_unknown_unit_is_named_on_its_row(chairs_by_the_pack):
    plan = check(xlsx([good_row(unit="箱"), good_row(external_ref="PO-2", sku="P0002", unit="6900000000017")]))

    assert errors_at(plan, "单位") == ["商品 P0001 没有单位“箱”，可选：件、包（=4件）",
                                     "商品 P0002 没有单位“6900000000017”，可选：件"]  # the chair's pack barcode
