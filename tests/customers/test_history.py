"""History of customer master data (django-simple-history): every save of a customer, its
contacts and its addresses is kept with who made it, and the customer's 历史 page shows old →
new per field to whoever may see the customer — personal values masked as on the customer page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from customers.services import ContactInput, contact_save, customer_update
from ordermgmt import roles
from tests.factories import CustomerFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_a_customer_edited_in_the_portal_records_who_changed_which_field_from_what_to_what(client):
    sales = user_with_role(roles.SALES, "sales-hist")
    customer = CustomerFactory(name="华东精密机械有限公司", credit_limit=Decimal("100000.00"))
    client.force_login(sales)
    response = client.post(reverse("customers:edit", args=[customer.pk]), {
        "name": customer.name, "level": "vip", "credit_limit": "150000", "payment_terms_days": "45",
        "notes": "", "tax_number": "", "bank_name": "", "bank_account": "", "credit_limit_reason": "年度信用评估",
    })
    assert response.status_code == 302

    latest = customer.history.latest()
    assert latest.history_user == sales
    delta = latest.diff_against(latest.prev_record)
    assert {change.field for change in delta.changes} == {"level", "credit_limit", "payment_terms_days"}

    page = client.get(reverse("customers:history", args=[customer.pk])).content.decode()
    assert "信用额度(元)" in page and "100000" in page and "150000" in page
    assert "普通" in page and "VIP" in page
    assert sales.get_full_name() in page


def test_a_service_call_outside_a_request_names_its_user_in_the_history():
    manager = user_with_role(roles.MANAGER, "boss-hist")
    customer = CustomerFactory()
    customer_update(user=manager, customer=customer, payment_terms_days=60)
    assert customer.history.latest().history_user == manager


def test_contact_changes_show_on_the_customer_history_masked_for_a_role_without_the_full_contact(client):
    customer = CustomerFactory()
    contact = customer.contacts.get()
    contact_save(user=user_with_role(roles.SALES), customer=customer, instance=contact, is_primary=True,
                 contact=ContactInput(name="张三", phone="13900001111", email="zhang@example.com"))
    url = reverse("customers:history", args=[customer.pk])

    client.force_login(user_with_role(roles.MANAGER))
    full = client.get(url).content.decode()
    assert "13812345678" in full and "13900001111" in full

    client.force_login(user_with_role(roles.REVIEWER))
    masked = client.get(url).content.decode()
    assert "13900001111" not in masked and "13812345678" not in masked
    assert "139****1111" in masked and "138****5678" in masked
    assert "张江路100号" not in masked


def test_only_who_may_see_the_customer_may_see_its_history(client):
    customer = CustomerFactory()
    client.force_login(UserFactory(username="no-role"))
    assert client.get(reverse("customers:history", args=[customer.pk])).status_code == 403
    client.force_login(user_with_role(roles.ANALYST))
    assert client.get(reverse("customers:history", args=[customer.pk])).status_code == 200


def test_the_customer_page_links_to_its_history(client):
    customer = CustomerFactory()
    client.force_login(user_with_role(roles.SALES))
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("customers:history", args=[customer.pk]) in page


def test_the_minimum_shelf_life_is_set_on_the_customer_form_and_empty_means_any(client):
    customer = CustomerFactory(name="鲜果连锁有限公司")
    client.force_login(user_with_role(roles.SALES, "sales-shelf"))
    form = {"name": customer.name, "level": "normal", "credit_limit": str(customer.credit_limit), "payment_terms_days": "30",
            "notes": "", "tax_number": "", "bank_name": "", "bank_account": "", "credit_limit_reason": ""}

    assert client.post(reverse("customers:edit", args=[customer.pk]), {**form, "min_shelf_life_days": "90"}).status_code == 302
    customer.refresh_from_db()
    assert customer.min_shelf_life_days == 90
    assert 'data-testid="min-shelf-life">90' in client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert client.post(reverse("customers:edit", args=[customer.pk]), {**form, "min_shelf_life_days": ""}).status_code == 302
    customer.refresh_from_db()
    assert customer.min_shelf_life_days == 0
