"""On a customer's page and an order's page the contact is masked for everyone; a user with
``customers.view_full_contact`` presses 显示完整信息 (reason optional) to see it in full for a
few minutes. Each press is logged (who, when, which record, why), shown on the record and
listed for the 主管."""

import time

import pytest
from django.urls import reverse

from customers.models import PersonalDataAccess
from customers.privacy import REVEAL_SECONDS
from ordermgmt import roles
from tests.factories import CustomerFactory, make_order, user_with_role

pytestmark = pytest.mark.django_db

# CustomerFactory's contact and address, repeated on the order by make_order.
PHONE, MASKED_PHONE = "13812345678", "138****5678"
EMAIL, MASKED_EMAIL = "zhang@example.com", "z***@example.com"
STREET, MASKED_ADDRESS = "张江路100号", "上海市上海市浦东新区****"

PERMITTED_ROLES = [roles.SALES, roles.SERVICE, roles.LOGISTICS, roles.MANAGER]
MASKED_ROLES = [roles.REVIEWER, roles.WAREHOUSE, roles.PRODUCTION, roles.AFTER_SALES, roles.ANALYST]


@pytest.fixture
def sales():
    return user_with_role(roles.SALES, "sales")


@pytest.fixture
def order(sales):
    return make_order(customer=CustomerFactory(owner=sales, name="华东精密机械有限公司"))


def _customer_page(client, customer) -> str:
    return client.get(reverse("customers:detail", args=[customer.pk])).content.decode()


def _order_page(client, order) -> str:
    return client.get(reverse("orders:detail", args=[order.number])).content.decode()


@pytest.mark.parametrize("role", PERMITTED_ROLES)
def test_record_pages_mask_the_contact_by_default_even_for_permitted_roles(client, order, role):
    user = order.customer.owner if role == roles.SALES else user_with_role(role)
    client.force_login(user)
    customer_page, order_page = _customer_page(client, order.customer), _order_page(client, order)
    for page in (customer_page, order_page):
        assert PHONE not in page and STREET not in page and MASKED_PHONE in page and MASKED_ADDRESS in page
        assert "显示完整信息" in page
    assert EMAIL not in customer_page and MASKED_EMAIL in customer_page


def test_revealing_a_customer_is_logged_then_shown_in_full(client, order, sales):
    client.force_login(sales)
    response = client.post(reverse("customers:reveal", args=[order.customer_id]), {"reason": "客户来电核对地址"})
    assert response.status_code == 302 and response.url == reverse("customers:detail", args=[order.customer_id])
    (access,) = PersonalDataAccess.objects.all()
    assert (access.user, access.record_kind, access.record_id, access.record_label, access.reason) == (
        sales, "customer", order.customer_id, "华东精密机械有限公司", "客户来电核对地址")
    page = _customer_page(client, order.customer)
    assert PHONE in page and EMAIL in page and STREET in page
    assert "最近查看完整信息" in page and sales.username in page


def test_revealing_an_order_is_logged_then_shown_in_full_and_other_records_stay_masked(client, order, sales):
    other_order = make_order(customer=order.customer)
    client.force_login(sales)
    response = client.post(reverse("orders:reveal", args=[order.number]))
    assert response.status_code == 302 and response.url == reverse("orders:detail", args=[order.number])
    (access,) = PersonalDataAccess.objects.all()
    assert (access.user, access.record_kind, access.record_id, access.record_label, access.reason) == (
        sales, "order", order.pk, order.number, "")
    page = _order_page(client, order)
    assert PHONE in page and STREET in page and "最近查看完整信息" in page
    for still_masked in (_order_page(client, other_order), _customer_page(client, order.customer)):
        assert PHONE not in still_masked and STREET not in still_masked and MASKED_PHONE in still_masked


def test_the_reveal_expires_after_its_minutes(client, order, sales, monkeypatch):
    client.force_login(sales)
    client.post(reverse("orders:reveal", args=[order.number]))
    assert PHONE in _order_page(client, order)
    later = time.time() + REVEAL_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert PHONE not in _order_page(client, order)


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_roles_without_the_permission_get_403_and_nothing_is_logged(client, order, role):
    client.force_login(user_with_role(role))
    assert "显示完整信息" not in _order_page(client, order)
    assert client.post(reverse("customers:reveal", args=[order.customer_id])).status_code == 403
    assert client.post(reverse("orders:reveal", args=[order.number])).status_code == 403
    assert not PersonalDataAccess.objects.exists()
    assert PHONE not in _order_page(client, order) and PHONE not in _customer_page(client, order.customer)


def test_another_salesperson_cannot_reveal_sales_records(client, order):
    client.force_login(user_with_role(roles.SALES, "sales2"))
    assert client.post(reverse("customers:reveal", args=[order.customer_id])).status_code == 404
    assert client.post(reverse("orders:reveal", args=[order.number])).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_revealing_needs_a_post(client, order, sales):
    client.force_login(sales)
    assert client.get(reverse("orders:reveal", args=[order.number])).status_code == 405
    assert not PersonalDataAccess.objects.exists()


def test_the_manager_page_lists_the_accesses_newest_first_with_filters(client, order, sales):
    service = user_with_role(roles.SERVICE, "service")
    client.force_login(sales)
    client.post(reverse("customers:reveal", args=[order.customer_id]), {"reason": "核对发票地址"})
    client.force_login(service)
    client.post(reverse("orders:reveal", args=[order.number]), {"reason": "客户投诉回访"})
    client.force_login(user_with_role(roles.MANAGER))
    url = reverse("customers:personal_data_accesses")
    page = client.get(url).content.decode()
    assert page.index("客户投诉回访") < page.index("核对发票地址")  # newest first
    assert order.number in page and "华东精密机械有限公司" in page
    by_kind = client.get(url, {"kind": "customer"}).content.decode()
    assert "核对发票地址" in by_kind and "客户投诉回访" not in by_kind
    by_user = client.get(url, {"user": service.pk}).content.decode()
    assert "客户投诉回访" in by_user and "核对发票地址" not in by_user
    assert "客户投诉回访" not in client.get(url, {"date_to": "2000-01-01"}).content.decode()
    assert reverse("customers:personal_data_accesses") in client.get(reverse("portal:home")).content.decode()


@pytest.mark.parametrize("role", [roles.SALES, roles.SERVICE, roles.ANALYST])
def test_only_the_manager_reads_the_access_log(client, role):
    client.force_login(user_with_role(role))
    assert client.get(reverse("customers:personal_data_accesses")).status_code == 403
