"""The customer picker (a server-side autocomplete): 华兴科技 by its initials, its full
pinyin, part of its name or its code; a phone number only for users who see phones in full;
nothing for users who may not see customers; no contact data in its answers."""

import pytest
from django.urls import reverse

from customers.selectors import customer_picker_search
from ordermgmt import roles
from tests.factories import CustomerFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(db):
    return {
        "huaxing": CustomerFactory(code="C00101", name="上海华兴科技有限公司"),
        "hongxing": CustomerFactory(code="C00102", name="华星科技发展有限公司"),
        "other": CustomerFactory(code="C00103", name="北京宏达贸易有限公司"),
    }


def _picked(client, query: str) -> str:
    response = client.get(reverse("customers:picker"), {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_initials_find_the_customer_from_the_start_of_its_name_or_within_it(customers):
    assert list(customer_picker_search("shhxkj")) == [customers["huaxing"]]
    # 上海华兴科技 holds hxkj after its city; 华星科技… starts with it and comes first.
    assert list(customer_picker_search("hxkj")) == [customers["hongxing"], customers["huaxing"]]
    assert list(customer_picker_search("hx")) == [customers["hongxing"]]  # two letters: from the start only


def test_full_pinyin_and_chinese_text_find_the_customer_anywhere_in_its_name(customers):
    # The pinyin from its start first (华星…), then within the name (上海华兴…).
    assert list(customer_picker_search("huaxing")) == [customers["hongxing"], customers["huaxing"]]
    assert set(customer_picker_search("huaxingkeji")) == {customers["huaxing"], customers["hongxing"]}
    assert set(customer_picker_search("华兴科技")) == {customers["huaxing"]}
    assert set(customer_picker_search("有限公司")) == set(customers.values())
    assert list(customer_picker_search("华星")) == [customers["hongxing"]]  # two characters: from the start only


def test_the_exact_code_or_initials_come_first(customers):
    assert list(customer_picker_search("c00103")) == [customers["other"]]
    exact = CustomerFactory(code="C00104", name="华星科技")  # initials exactly "hxkj"
    assert list(customer_picker_search("hxkj"))[0] == exact


def test_the_picker_answers_html_choices_with_name_and_code_and_no_contact_data(client, customers):
    client.force_login(user_with_role(roles.REVIEWER))
    html = _picked(client, "shhxkj")
    assert f'data-value="{customers["huaxing"].pk}"' in html
    assert "上海华兴科技有限公司（C00101）" in html
    assert "138" not in html and "张三" not in html


def test_a_phone_number_finds_its_customer_only_for_users_who_see_phones_in_full(client, customers):
    client.force_login(user_with_role(roles.SALES))
    assert "上海华兴科技有限公司" in _picked(client, "13812345678")
    assert _picked(client, "12345678") == ""  # phones are encrypted: the whole number only
    client.force_login(user_with_role(roles.REVIEWER))  # sees phones masked: no lookup by phone
    assert _picked(client, "13812345678") == ""


def test_a_user_who_may_not_see_customers_gets_nothing_from_the_picker(client, customers):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("customers:picker"), {"q": "hxkj"}).status_code == 403
    client.logout()
    response = client.get(reverse("customers:picker"), {"q": "hxkj"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_picker_answers_at_most_twenty_choices(client):
    for n in range(25):
        CustomerFactory(code=f"K{n:03d}", name=f"华兴分公司{n}号", with_contact=False)
    client.force_login(user_with_role(roles.SALES))
    assert _picked(client, "hx").count("data-value=") == 20
