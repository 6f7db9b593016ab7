"""Data-subject requests (个人信息保护法 第45条): a 主管 exports from the customer page everything
the platform holds about the customer's people — contacts, addresses, the receivers on its
orders, the notices sent to them — and the export is recorded with who handled it and why."""

import json

import pytest
from django.urls import reverse

from customers.models import DataSubjectRequest
from fulfillment.models import NotificationMessage
from ordermgmt import roles
from tests.factories import CustomerFactory, make_order, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    customer = CustomerFactory(name="华东精密机械有限公司")
    order = make_order(customer=customer, contact_name="李四", contact_phone="13900001111")
    NotificationMessage.objects.create(order=order, key="order_approved", channel="sms", recipient="13900001111",
                                       body=f"李四您好，订单{order.number}已审核通过。")
    return customer


def test_a_manager_exports_all_personal_data_held_and_the_request_is_recorded(client, customer):
    manager = user_with_role(roles.MANAGER, "boss-dsr")
    client.force_login(manager)
    response = client.post(reverse("customers:personal_data_export", args=[customer.pk]),
                           {"reason": "联系人张三来电要求查询"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="personal-data-{customer.code}.json"'
    data = json.loads(response.content)
    sections = data["sections"]
    assert sections["contacts"] == [{"name": "张三", "phone": "13812345678", "email": "zhang@example.com",
                                     "is_primary": True}]
    assert sections["addresses"][0]["detail"] == "张江路100号"
    assert sections["orders"][0]["contact_phone"] == "13900001111" and sections["orders"][0]["contact_name"] == "李四"
    assert sections["notices"][0]["recipient"] == "13900001111" and "李四您好" in sections["notices"][0]["body"]
    assert "delivery_receipts" in sections

    request = DataSubjectRequest.objects.get()
    assert (request.customer, request.kind, request.handled_by, request.reason) == (
        customer, "export", manager, "联系人张三来电要求查询")
    assert request.sections["orders"] == 1 and request.sections["notices"] == 1
    assert "13900001111" not in json.dumps(request.sections), "the record says what was exported, not the data"


def test_an_export_needs_a_reason(client, customer):
    client.force_login(user_with_role(roles.MANAGER))
    response = client.post(reverse("customers:personal_data_export", args=[customer.pk]), {"reason": " "})
    assert response.status_code == 302
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.parametrize("role", [roles.SALES, roles.SERVICE, roles.ANALYST])
def test_only_a_manager_may_export_personal_data(client, customer, role):
    client.force_login(user_with_role(role))
    assert client.post(reverse("customers:personal_data_export", args=[customer.pk]),
                       {"reason": "想看看"}).status_code == 403
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-testid="data-request"' not in page
    assert not DataSubjectRequest.objects.exists()


def test_the_customer_page_offers_the_export_to_a_manager(client, customer):
    client.force_login(user_with_role(roles.MANAGER))
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("customers:personal_data_export", args=[customer.pk]) in page


def _finished_order(customer):
    from orders.models import Order, OrderStatus
    from orders.services import order_cancel

    order = Order.objects.get(customer=customer)
    order_cancel(order=order, user=None, reason="客户取消")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    return order


def test_erasure_blanks_personal_data_everywhere_and_keeps_the_accounting_records(client, customer):
    from orders.models import Order

    order = _finished_order(customer)
    total, invoice_title = order.total, order.invoice_title
    manager = user_with_role(roles.MANAGER, "boss-erase")
    client.force_login(manager)
    response = client.post(reverse("customers:personal_data_erase", args=[customer.pk]),
                           {"reason": "客户书面申请删除（2026-12-05）"})
    assert response.status_code == 302

    contact = customer.contacts.get()
    assert (contact.name, contact.phone, contact.email, contact.phone_index) == ("（已删除）", "", "", "")
    address = customer.addresses.get()
    assert (address.province, address.city, address.detail) == ("上海市", "上海市", "")
    order = Order.objects.get(pk=order.pk)
    assert (order.contact_name, order.contact_phone, order.ship_address) == ("（已删除）", "", "")
    assert (order.contact_phone_index, order.contact_name_index) == ("", ""), "no search finds them by the old phone"
    assert (order.total, order.invoice_title, order.ship_province) == (total, invoice_title, "上海市")
    notices = list(NotificationMessage.objects.all())  # ours, and the cancellation's
    assert notices and all(n.recipient == "" and n.body == "（已删除）" for n in notices)
    assert not contact.history.exists(), "the history would keep the old phone"

    request = DataSubjectRequest.objects.get()
    assert (request.kind, request.handled_by, request.reason) == ("erase", manager, "客户书面申请删除（2026-12-05）")
    assert request.sections["orders"] == 1 and request.sections["contacts"] == 1
    assert request.sections["notices"] == len(notices)

    exported = client.post(reverse("customers:personal_data_export", args=[customer.pk]), {"reason": "核对删除结果"})
    assert "13812345678" not in exported.content.decode() and "13900001111" not in exported.content.decode()


def test_erasure_is_refused_while_an_order_is_still_being_fulfilled(client, customer):
    client.force_login(user_with_role(roles.MANAGER))
    response = client.post(reverse("customers:personal_data_erase", args=[customer.pk]), {"reason": "客户申请"},
                           follow=True)
    assert "未结束的订单" in response.content.decode()
    assert customer.contacts.get().phone == "13812345678"
    assert not DataSubjectRequest.objects.exists()


def test_only_a_manager_may_erase_personal_data(client, customer):
    _finished_order(customer)
    client.force_login(user_with_role(roles.SERVICE))
    assert client.post(reverse("customers:personal_data_erase", args=[customer.pk]),
                       {"reason": "客户申请"}).status_code == 403
    assert customer.contacts.get().phone == "13812345678"
