"""多单位: an order in 箱 against stock in 瓶 — the line keeps the unit, the quantity in it and
the base quantity; prices per unit; documents print the unit the customer ordered."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import ProductUnit, StockAllocation
from inventory.services import stock_allocate_order
from ordermgmt import roles
from ordermgmt.errors import InvalidInput
from orders import services
from orders.models import Order
from orders.services import LineInput
from tests.factories import CustomerFactory, ProductFactory, details_for, make_order, receive, user_with_role
from tests.orders.test_portal import _order_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def water():
    product = ProductFactory(sku="WATER-550", name="矿泉水", unit="瓶", list_price=Decimal("2.00"))
    ProductUnit.objects.create(product=product, name="箱", factor=12, barcode="6901234567892")
    ProductUnit.objects.create(product=product, name="托", factor=480, price=Decimal("800.00"))
    return product


def case_of(product, name="箱"):
    return product.units.get(name=name)


def order_in(product, quantity, unit, **line):
    return services.order_create(user=None, details=details_for(CustomerFactory(credit_limit=10**9)),
                                 lines=[LineInput(product=product, quantity=quantity, unit=unit, **line)])


def test_an_order_in_cases_is_allocated_in_bottles(water):
    receive(water, 30)
    order = order_in(water, 2, case_of(water))
    line = order.lines.get()

    assert (line.sales_quantity, line.sales_unit, line.unit_factor, line.quantity, line.unit) == (2, "箱", 12, 24, "瓶")
    stock_allocate_order(order=order)
    assert sum(a.quantity for a in StockAllocation.objects.filter(order_line=line)) == 24


def test_three_cases_against_thirty_bottles_is_a_shortage_of_six_bottles(water):
    receive(water, 30)
    order = order_in(water, 3, case_of(water))
    with pytest.raises(Exception, match="需要 36，可用 30，缺 6"):
        stock_allocate_order(order=order)


def test_a_unit_without_its_own_price_costs_the_base_rule_price_times_its_factor(water):
    line = order_in(water, 2, case_of(water)).lines.get()

    assert line.unit_price == Decimal("24.00") and line.amount == Decimal("48.00")
    assert "× 12（1 箱 = 12 瓶）" in line.price_explanation


def test_a_unit_with_its_own_price_uses_it(water):
    line = order_in(water, 1, case_of(water, "托")).lines.get()

    assert (line.quantity, line.unit_price, line.amount, line.price_source) == (480, Decimal("800.00"), Decimal("800.00"), "unit")
    assert line.get_price_source_display() == "单位价"


def test_a_unit_of_another_product_is_refused(water):
    other = ProductFactory()
    with pytest.raises(InvalidInput, match="不是商品"):
        order_in(other, 1, case_of(water))


def test_the_entry_form_accepts_a_unit_by_name_or_barcode_and_the_documents_print_it(client, water):
    client.force_login(user_with_role(roles.SALES))
    customer = CustomerFactory(credit_limit=10**9)
    lines = [{"product": water.pk, "quantity": "2", "unit": "6901234567892", "unit_price": ""},
             {"product": water.pk, "quantity": "5", "unit": "", "unit_price": ""}]

    response = client.post(reverse("orders:create"), _order_post(customer, lines=lines))

    order = Order.objects.get()
    assert response.status_code == 302
    assert [(l.ordered_quantity, l.ordered_unit, l.quantity) for l in order.lines.order_by("line_no")] == [
        (2, "箱", 24), (5, "瓶", 5)]
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "2 箱" in page and "（24 瓶）" in page
    note = client.get(reverse("orders:voucher", args=[order.number, "delivery-note"])).content.decode()
    assert "<td>箱</td>" in note and "（24 瓶）" in note


def test_the_entry_form_names_the_units_a_product_has(client, water):
    client.force_login(user_with_role(roles.SALES))
    response = client.post(reverse("orders:create"), _order_post(
        CustomerFactory(), lines=[{"product": water.pk, "quantity": "1", "unit": "盒", "unit_price": ""}]))

    assert response.status_code == 200 and not Order.objects.exists()
    assert "没有单位“盒”，可选：瓶、箱（=12瓶）、托（=480瓶）" in response.content.decode()


def test_editing_and_copying_keep_the_unit(water):
    order = order_in(water, 2, case_of(water))
    copy = services.order_copy(order=order, user=user_with_role(roles.SALES))
    line = copy.lines.get()
    assert (line.sales_quantity, line.sales_unit, line.quantity) == (2, "箱", 24)


def test_make_order_without_units_is_unchanged():
    line = make_order(lines=[(ProductFactory(), 3, "5.00")]).lines.get()
    assert (line.quantity, line.sales_unit, line.sales_quantity, line.unit_factor, line.ordered_quantity) == (3, "", None, 1, 3)


def test_the_entry_form_previews_the_price_of_the_unit_typed_not_of_the_base_unit(client, water):
    client.force_login(user_with_role(roles.SALES))
    customer = CustomerFactory()
    url = reverse("orders:price_preview")

    bottles = client.get(url, {"product": water.pk, "customer": customer.pk, "quantity": 2}).json()
    cases = client.get(url, {"product": water.pk, "customer": customer.pk, "quantity": 2, "unit": "箱"}).json()
    by_barcode = client.get(url, {"product": water.pk, "customer": customer.pk, "quantity": 1, "unit": "6901234567892"})
    unknown = client.get(url, {"product": water.pk, "customer": customer.pk, "quantity": 1, "unit": "桶"})

    assert (bottles["unit_price"], cases["unit_price"]) == ("2.00", "24.00")
    assert "× 12（1 箱 = 12 瓶）" in cases["explanation"]
    assert by_barcode.json()["unit_price"] == "24.00", "a unit found by its barcode"
    assert unknown.status_code == 400 and "桶" in unknown.json()["error"]
