"""Products keep their history: a price or floor changed in the admin is on the product's 历史
page with who changed it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ordermgmt import roles
from tests.factories import ProductFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_a_product_changed_in_the_admin_shows_old_and_new_price_and_who(client):
    admin = UserFactory(username="root-products", is_staff=True, is_superuser=True)
    product = ProductFactory(list_price=Decimal("100.00"))
    client.force_login(admin)
    response = client.post(reverse("admin:inventory_product_change", args=[product.pk]), {
        "sku": product.sku, "name": product.name, "spec": product.spec, "unit": product.unit, "category": "",
        "weight_kg": "0", "floor_price": "", "list_price": "120.00", "vat_rate": "0.13",
        "stock_type": product.stock_type, "safety_stock": "0", "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    assert product.history.latest().history_user == admin

    client.force_login(user_with_role(roles.WAREHOUSE))
    page = client.get(reverse("inventory:product_history", args=[product.pk])).content.decode()
    assert "标准单价(元,不含税)" in page and ">100<" in page and ">120<" in page
    assert reverse("inventory:product_history", args=[product.pk]) in \
        client.get(reverse("inventory:product", args=[product.pk])).content.decode()


def test_who_may_not_see_products_may_not_see_their_history(client):
    product = ProductFactory()
    client.force_login(UserFactory(username="nobody-products"))
    assert client.get(reverse("inventory:product_history", args=[product.pk])).status_code == 403
