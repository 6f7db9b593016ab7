"""The staff portal: entry, edit, list, detail, actions and permissions over HTTP."""

from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import Customer
from ordermgmt import roles
from orders import services
from orders.models import Order, OrderStatus
from tests.factories import CustomerFactory, ProductFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


def _order_post(customer=None, lines=(), **extra):
    data = {
        "customer": customer.pk if customer else "",
        "contact_name": "李四",
        "contact_phone": "139 0000 1111",
        "contact_email": "",
        "ship_province": "浙江省",
        "ship_city": "杭州市",
        "ship_district": "西湖区",
        "ship_address": "文三路90号",
        "channel": "phone",
        "order_type": "stock",
        "priority": "normal",
        "invoice_type": "none",
        "payment_method": "bank_transfer",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{index}-{key}"] = value
    data.update(extra)
    return data


def test_sales_creates_an_order_and_amounts_are_computed_on_the_server(client):
    sales = user_with_role(roles.SALES)
    customer = CustomerFactory()
    chair, desk = ProductFactory(list_price=Decimal("300.00")), ProductFactory(list_price=Decimal("800.00"))
    client.force_login(sales)
    payload = _order_post(
        customer,
        lines=[
            {"product": chair.pk, "quantity": "3", "unit_price": "33.33", "amount": "1.00",
             "override_reason": "样品价"},
            {"product": desk.pk, "quantity": "2", "unit_price": ""},
        ],
        total="0.01",
        subtotal="0.01",
    )
    response = client.post(reverse("orders:create"), payload)

    order = Order.objects.get()
    assert response.status_code == 302 and response.url == reverse("orders:detail", args=[order.number])
    assert order.status == OrderStatus.PENDING_REVIEW
    assert order.contact_phone == "13900001111"
    assert [line.amount for line in order.lines.all()] == [Decimal("99.99"), Decimal("1600.00")]
    # 99.99 × 13% = 12.9987 → 13.00 ; 1600 × 13% = 208.00
    assert order.subtotal == Decimal("1699.99")
    assert order.tax_amount == Decimal("221.00")
    assert order.total == Decimal("1920.99")
    assert order.created_by == sales and order.events.get(action="create").actor == sales
    override = order.events.get(action="price_override")
    assert "样品价" in override.reason and override.actor == sales


def test_new_customer_is_created_with_the_order(client):
    client.force_login(user_with_role(roles.SERVICE))
    product = ProductFactory(list_price="10.00")
    response = client.post(
        reverse("orders:create"),
        _order_post(None, lines=[{"product": product.pk, "quantity": "1", "unit_price": "10.00"}],
                    is_new_customer="on", new_customer_name="杭州华兴科技有限公司", new_customer_level="vip"),
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="杭州华兴科技有限公司")
    assert customer.level == "vip" and customer.code.startswith("C")
    assert customer.primary_contact.phone == "13900001111"
    assert customer.default_address.full_address == "浙江省杭州市西湖区文三路90号"
    assert Order.objects.get().customer == customer


def test_bad_input_is_reported_and_nothing_is_saved(client):
    client.force_login(user_with_role(roles.SALES))
    product = ProductFactory()
    response = client.post(
        reverse("orders:create"),
        _order_post(CustomerFactory(), lines=[{"product": product.pk, "quantity": "0", "unit_price": "1.234"}],
                    contact_phone="12345", invoice_type="special"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "不是有效的电话号码" in body
    assert "数量必须是正整数" in body
    assert "单价最多两位小数" in body
    assert "开具发票时必须填写发票抬头" in body
    assert 'value="李四"' in body, "what the clerk typed is kept"
    assert not Order.objects.exists()


def test_an_order_without_lines_is_refused(client):
    client.force_login(user_with_role(roles.SALES))
    response = client.post(reverse("orders:create"), _order_post(CustomerFactory(), lines=[]))
    assert response.status_code == 200
    assert not Order.objects.exists()


def test_edit_after_rejection_and_timeline_on_the_page(client):
    sales, reviewer = user_with_role(roles.SALES), user_with_role(roles.REVIEWER)
    product = ProductFactory(list_price="12.00")
    order = make_order(user=sales, lines=[(product, 1, None)])
    services.order_reject(order=order, user=reviewer, reason="价格有误：请按合同价")
    client.force_login(sales)
    page = client.get(reverse("orders:edit", args=[order.number]))
    assert page.status_code == 200
    payload = _order_post(order.customer, lines=[{"product": product.pk, "quantity": "5", "unit_price": ""}])
    response = client.post(reverse("orders:edit", args=[order.number]), payload)
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.subtotal == Decimal("60.00")
    detail = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "价格有误：请按合同价" in detail and "修改了" in detail and "重新提交审核" in detail


def test_buttons_follow_the_role_and_wrong_role_gets_403(client):
    order = make_order()
    sales, reviewer = user_with_role(roles.SALES), user_with_role(roles.REVIEWER)

    client.force_login(sales)
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-action="approve"' not in page
    assert 'data-action="cancel"' in page
    response = client.post(reverse("orders:action", args=[order.number, "approve"]))
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW

    client.force_login(reviewer)
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-action="approve"' in page and 'data-action="reject"' in page
    response = client.post(reverse("orders:action", args=[order.number, "approve"]), {"reason": "资料齐全"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED


def test_reason_is_required_for_reject_from_the_page(client):
    order = make_order()
    client.force_login(user_with_role(roles.REVIEWER))
    response = client.post(reverse("orders:action", args=[order.number, "reject"]), {"reason": ""}, follow=True)
    assert "必须填写原因" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW


def test_roles_without_entry_rights_cannot_open_the_entry_page(client):
    for role in [roles.REVIEWER, roles.WAREHOUSE, roles.LOGISTICS, roles.ANALYST]:
        client.force_login(user_with_role(role))
        assert client.get(reverse("orders:create")).status_code == 403
        assert client.post(reverse("orders:create"), {}).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("orders:list"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_list_filters_search_and_paginates(client, settings):
    settings.ORDER_LIST_PAGE_SIZE = 5
    customer = CustomerFactory(name="华兴科技有限公司")
    for _ in range(7):
        make_order(customer=customer)
    other = make_order(contact_phone="13700001234")
    services.order_reject(order=other, user=None, reason="测试")
    client.force_login(user_with_role(roles.ANALYST))

    page1 = client.get(reverse("orders:list")).content.decode()
    assert "第 1 / 2 页，共 8 条" in page1
    assert "华兴科技有限公司" in client.get(reverse("orders:list"), {"q": "hxkj"}).content.decode()
    by_phone = client.get(reverse("orders:list"), {"q": "13700001234"})
    assert by_phone.context["page"].paginator.count == 1
    rejected = client.get(reverse("orders:list"), {"status": "rejected"})
    assert [o.number for o in rejected.context["page"].object_list] == [other.number]
    by_number = client.get(reverse("orders:list"), {"q": other.number})
    assert by_number.context["page"].paginator.count == 1
    sorted_page = client.get(reverse("orders:list"), {"sort": "created", "page": "2"})
    assert sorted_page.status_code == 200 and "sort=created" in sorted_page.content.decode()


def test_my_queue_shows_what_waits_for_my_role_urgent_first(client):
    product = ProductFactory()
    receive(product, 100)
    normal = make_order(lines=[(product, 1, "1.00")])
    urgent = make_order(lines=[(product, 1, "1.00")], priority="urgent")
    approved = make_order(lines=[(product, 1, "1.00")])
    services.order_approve(order=approved, user=None)

    client.force_login(user_with_role(roles.REVIEWER))
    queue = [o.number for o in client.get(reverse("portal:home")).context["page"].object_list]
    assert queue == [urgent.number, normal.number]

    client.force_login(user_with_role(roles.WAREHOUSE))
    queue = [o.number for o in client.get(reverse("portal:home")).context["page"].object_list]
    assert queue == [approved.number]


def test_customer_page_lists_order_history_with_masked_phone(client):
    customer = CustomerFactory()
    orders = [make_order(customer=customer) for _ in range(3)]
    # A role without customers.view_full_contact (tests/customers/test_full_contact.py has every role).
    client.force_login(user_with_role(roles.REVIEWER))
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    for order in orders:
        assert order.number in body
    assert "138****5678" in body and "13812345678" not in body


def test_fulfillment_steps_are_done_on_the_desks_and_only_a_manager_may_override_on_the_order_page(client):
    product = ProductFactory(list_price=Decimal("100.00"))
    receive(product, 10)
    order = services.order_approve(order=make_order(lines=[(product, 1, None)]), user=None)
    assert order.status == OrderStatus.ALLOCATED
    client.force_login(user_with_role(roles.WAREHOUSE))
    assert 'data-action="ship"' not in client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert client.post(reverse("orders:action", args=[order.number, "ship"])).status_code == 403
    client.force_login(user_with_role(roles.MANAGER))
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-action="ship"' in page and "主管直接操作" in page
    client.post(reverse("orders:action", args=[order.number, "ship"]), {"reason": "客户自提"})
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


def test_editing_an_order_keeps_its_owner(client):
    sales = user_with_role(roles.SALES)
    product = ProductFactory(list_price=Decimal("10.00"))
    order = make_order(user=sales, lines=[(product, 1, None)])
    assert order.owner == sales
    client.force_login(user_with_role(roles.SERVICE))
    payload = _order_post(order.customer, lines=[{"product": product.pk, "quantity": "2", "unit_price": ""}])
    client.post(reverse("orders:edit", args=[order.number]), payload)
    order.refresh_from_db()
    assert order.lines.get().quantity == 2 and order.owner == sales
