"""The order form stays small however many customers and products there are: the customer
and product fields are server-side pickers that render only the chosen option; picking a
customer fills the receiver from its primary contact and default address."""

import pytest
from django.urls import reverse

from ordermgmt import roles
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(client):
    client.force_login(user_with_role(roles.SALES))
    return client


def test_the_entry_form_lists_no_customer_and_no_product_until_one_is_picked(sales):
    CustomerFactory(name="华兴科技有限公司", with_contact=False)
    ProductFactory(sku="GB-1001", name="螺纹钢")
    html = sales.get(reverse("orders:create")).content.decode()
    assert "华兴科技有限公司" not in html and "螺纹钢" not in html
    assert reverse("customers:picker") in html and reverse("inventory:product_picker") in html
    assert "dal_alight/autocomplete-light.js" in html and "dal_alight/autocomplete-light.css" in html


def test_the_form_grows_by_nothing_with_a_thousand_more_customers_and_products(sales):
    before = len(sales.get(reverse("orders:create")).content)
    CustomerFactory.create_batch(500, with_contact=False)
    ProductFactory.create_batch(500)
    after = len(sales.get(reverse("orders:create")).content)
    assert after - before < 100  # a CSRF token may differ by a few bytes, nothing more


def test_a_customer_chosen_beforehand_and_an_orders_products_are_rendered_as_the_chosen_options(sales):
    customer = CustomerFactory(name="华兴科技有限公司")
    html = sales.get(reverse("orders:create"), {"customer": customer.pk}).content.decode()
    assert f'<option value="{customer.pk}" selected>华兴科技有限公司</option>' in html
    order = make_order(customer=customer, lines=[(ProductFactory(sku="GB-1001", name="螺纹钢", spec=""), 2, "100.00")])
    html = sales.get(reverse("orders:edit", args=[order.number])).content.decode()
    assert "GB-1001 螺纹钢</option>" in html


def test_the_picked_customers_contact_and_address_come_as_the_user_may_see_them(client):
    customer = CustomerFactory(name="华兴科技有限公司")
    for role, phone in ((roles.SALES, "13812345678"), (roles.REVIEWER, "138****5678")):
        client.force_login(user_with_role(role))
        (found,) = client.get(reverse("customers:lookup"), {"id": customer.pk}).json()["results"]
        assert (found["name"], found["contact_phone"], found["ship_city"]) == ("华兴科技有限公司", phone, "上海市")


def test_an_order_is_entered_with_the_picked_customer_and_product(sales):
    customer, product = CustomerFactory(name="华兴科技有限公司"), ProductFactory(sku="GB-1001", list_price="100.00")
    response = sales.post(reverse("orders:create"), {
        "customer": customer.pk, "contact_name": "张三", "contact_phone": "13812345678",
        "ship_province": "广东省", "ship_city": "深圳市", "ship_district": "南山区", "ship_address": "科技园路1号",
        "channel": "phone", "order_type": "stock", "priority": "normal", "invoice_type": "none",
        "payment_method": "bank_transfer",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk, "lines-0-product-input": "", "lines-0-quantity": "2",
    })
    assert response.status_code == 302
    order = customer.orders.get()
    assert [line.product_sku for line in order.lines.all()] == ["GB-1001"]


def test_the_staff_picker_finds_active_users_by_name_for_any_signed_in_user(client):
    UserFactory(username="wangfang", first_name="王芳", roles=[roles.SALES])
    client.force_login(user_with_role(roles.WAREHOUSE))
    html = client.get(reverse("portal:user_picker"), {"q": "王芳"}).content.decode()
    assert "王芳（wangfang）" in html
    client.logout()
    assert client.get(reverse("portal:user_picker"), {"q": "王芳"}).status_code == 302
