"""The product picker of the order lines: by SKU (exactly, from its start or a fragment),
name, spec, full pinyin or initials; only products on sale; only for users who may see
products."""

import pytest
from django.urls import reverse

from inventory.selectors import product_picker_search
from ordermgmt import roles
from tests.factories import ProductFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):
    return {
        "rebar": ProductFactory(sku="GB-1001", name="螺纹钢", spec="HRB400 Φ12"),
        "rebar16": ProductFactory(sku="GB-1002", name="螺纹钢", spec="HRB400 Φ16"),
        "chair": ProductFactory(sku="OF-2001", name="办公椅", spec="人体工学"),
        "retired": ProductFactory(sku="GB-1003", name="螺纹钢", spec="旧款", is_active=False),
    }


def test_the_sku_exactly_from_its_start_or_a_fragment_finds_the_product(products):
    assert list(product_picker_search("gb-1002"))[0] == products["rebar16"]
    assert list(product_picker_search("GB-")) == [products["rebar"], products["rebar16"]]
    assert list(product_picker_search("2001")) == [products["chair"]]


def test_initials_pinyin_name_and_spec_find_the_product(products):
    assert list(product_picker_search("lwg")) == [products["rebar"], products["rebar16"]]
    assert list(product_picker_search("bangongyi")) == [products["chair"]]
    assert list(product_picker_search("办公")) == [products["chair"]]
    assert list(product_picker_search("φ16")) == [products["rebar16"]]


def test_products_no_longer_on_sale_are_not_offered(products):
    assert products["retired"] not in product_picker_search("GB-1003")


def test_the_picker_answers_html_choices_with_sku_name_and_spec(client, products):
    client.force_login(user_with_role(roles.SALES))
    response = client.get(reverse("inventory:product_picker"), {"q": "lwg"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-value="{products["rebar"].pk}"' in html and "GB-1001 螺纹钢（HRB400 Φ12）" in html


def test_a_user_who_may_not_see_products_gets_nothing_from_the_picker(client, products):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("inventory:product_picker"), {"q": "lwg"}).status_code == 403


def test_the_receipt_form_picks_the_product_with_the_picker_and_lists_no_other(client, products):
    client.force_login(user_with_role(roles.WAREHOUSE))
    html = client.get(reverse("inventory:receive"), {"product": products["chair"].pk}).content.decode()
    assert "OF-2001 办公椅（人体工学）</option>" in html
    assert "GB-1001" not in html and reverse("inventory:product_picker") in html
    assert "dal_alight/autocomplete-light.js" in html
