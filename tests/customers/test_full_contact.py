"""One rule for personal contact data: only the jobs that call, write to or deliver to the
customer (销售专员, 客服, 物流专员, 主管) see the full phone, e-mail and street; every other
role sees them masked — on pages, prints, the customer picker's JSON and exports alike. On a
customer's or an order's page even they see it masked until they press 显示完整信息
(logged: tests/customers/test_reveal_access.py)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from customers.privacy import FULL_CONTACT_PERMISSION, mask_email
from ordermgmt import roles
from orders.importing.columns import COLUMNS
from tests.factories import CustomerFactory, make_order, user_with_role

pytestmark = pytest.mark.django_db

FULL_CONTACT_ROLES = [roles.SALES, roles.SERVICE, roles.LOGISTICS, roles.MANAGER]
MASKED_ROLES = [roles.REVIEWER, roles.WAREHOUSE, roles.PRODUCTION, roles.AFTER_SALES, roles.ANALYST]
every_role = pytest.mark.parametrize("role", FULL_CONTACT_ROLES + MASKED_ROLES)

# CustomerFactory's contact and address, repeated on the order by make_order.
PHONE, MASKED_PHONE = "13812345678", "138****5678"
EMAIL, MASKED_EMAIL = "zhang@example.com", "z***@example.com"
STREET, MASKED_ADDRESS = "张江路100号", "上海市上海市浦东新区****"


@pytest.fixture
def order(db):
    return make_order(customer=CustomerFactory(name="华东精密机械有限公司"))


def _sees(role: str, text: str, *, full: list[str], masked: list[str]) -> None:
    if role in FULL_CONTACT_ROLES:
        for value in full:
            assert value in text, (role, value)
    else:
        for value in full:
            assert value not in text, (role, value)
        for value in masked:
            assert value in text, (role, value)


def test_the_full_contact_is_one_permission_granted_to_the_jobs_that_need_it():
    for role in FULL_CONTACT_ROLES:
        assert user_with_role(role).has_perm(FULL_CONTACT_PERMISSION), role
    for role in MASKED_ROLES:
        assert not user_with_role(role).has_perm(FULL_CONTACT_PERMISSION), role


@every_role
def test_customer_picker_json_masks_the_contact_for_roles_without_the_permission(client, order, role):
    client.force_login(user_with_role(role))
    response = client.get(reverse("customers:lookup"), {"q": "华东精密"})
    assert response.status_code == 200
    (found,) = response.json()["results"]
    if role in FULL_CONTACT_ROLES:
        assert (found["contact_phone"], found["contact_email"], found["ship_address"]) == (PHONE, EMAIL, STREET)
    else:
        assert (found["contact_phone"], found["contact_email"], found["ship_address"]) == (
            MASKED_PHONE, MASKED_EMAIL, "****")
    assert (found["contact_name"], found["ship_district"]) == ("张三", "浦东新区")


def _masked(text: str) -> None:
    for value in (PHONE, STREET):
        assert value not in text, value
    assert MASKED_PHONE in text and MASKED_ADDRESS in text


@every_role
def test_customer_pages_show_the_full_contact_only_to_roles_with_the_permission(client, order, role):
    client.force_login(user_with_role(role))
    detail_url = reverse("customers:detail", args=[order.customer_id])
    _masked(client.get(detail_url).content.decode())  # everyone, until 显示完整信息
    client.post(reverse("customers:reveal", args=[order.customer_id]))  # 403 without the permission
    detail = client.get(detail_url).content.decode()
    _sees(role, detail, full=[PHONE, EMAIL, STREET], masked=[MASKED_PHONE, MASKED_EMAIL, MASKED_ADDRESS])
    listing = client.get(reverse("customers:list")).content.decode()
    _sees(role, listing, full=[PHONE], masked=[MASKED_PHONE])


@every_role
def test_order_page_shows_the_full_contact_only_to_roles_with_the_permission(client, order, role):
    client.force_login(user_with_role(role))
    page_url = reverse("orders:detail", args=[order.number])
    _masked(client.get(page_url).content.decode())  # everyone, until 显示完整信息
    client.post(reverse("orders:reveal", args=[order.number]))  # 403 without the permission
    _sees(role, client.get(page_url).content.decode(), full=[PHONE, STREET], masked=[MASKED_PHONE, MASKED_ADDRESS])


@every_role
def test_delivery_note_print_shows_the_full_contact_only_to_roles_with_the_permission(client, order, role):
    client.force_login(user_with_role(role))
    note = client.get(reverse("orders:voucher", args=[order.number, "delivery-note"]))
    assert note.status_code == 200
    _sees(role, note.content.decode(), full=[PHONE, STREET], masked=[MASKED_PHONE, MASKED_ADDRESS])


@pytest.mark.parametrize("role", [roles.SALES, roles.SERVICE, roles.MANAGER, roles.ANALYST])
def test_order_export_masks_the_contact_for_roles_without_the_permission(client, order, role):
    client.force_login(user_with_role(role))
    response = client.get(reverse("orders:export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                      else response.content), read_only=True).worksheets[0]
    header, row = [list(r) for r in sheet.iter_rows(min_row=1, max_row=2, values_only=True)]
    values = dict(zip([c.key for c in COLUMNS], row))
    if role in FULL_CONTACT_ROLES:
        assert (values["contact_phone"], values["address"]) == (PHONE, "上海市上海市浦东新区" + STREET)
    else:
        assert (values["contact_phone"], values["address"]) == (MASKED_PHONE, MASKED_ADDRESS)


def test_masked_email_keeps_only_the_first_letter_and_the_domain():
    assert mask_email("nana@example.com") == "n***@example.com"
    assert mask_email("") == ""
