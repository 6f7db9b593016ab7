"""The review as the reviewer and the manager see it in the portal."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import StockType
from ordermgmt import roles
from orders.models import OrderStatus
from tests.factories import CustomerFactory, ProductFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_order(django_capture_on_commit_callbacks):
    product = ProductFactory()
    receive(product, 50)
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(customer=CustomerFactory(credit_limit=Decimal("100.00")), lines=[(product, 5, "100.00")])
    order.refresh_from_db()
    return order


def test_order_page_says_why_the_order_waits_and_shows_every_check(client, held_order):
    client.force_login(user_with_role(roles.REVIEWER))
    page = client.get(reverse("orders:detail", args=[held_order.number])).content.decode()
    assert 'data-testid="waiting-reason"' in page and "信用额度不足" in page
    for label in ["库存", "信用额度", "逾期欠款", "资料完整性", "重复订单"]:
        assert f"<td>{label}</td>" in page
    assert "data-override=" not in page, "only a manager may release a hold"


def test_manager_releases_a_credit_hold_from_the_page(client, held_order):
    client.force_login(user_with_role(roles.REVIEWER))
    assert client.post(reverse("orders:override_check", args=[held_order.number, "credit"]),
                       {"reason": "x"}).status_code == 403
    client.force_login(user_with_role(roles.MANAGER))
    assert 'data-override="credit"' in client.get(reverse("orders:detail", args=[held_order.number])).content.decode()
    response = client.post(reverse("orders:override_check", args=[held_order.number, "credit"]),
                           {"reason": "客户已预付"}, follow=True)
    assert "已放行" in response.content.decode()
    held_order.refresh_from_db()
    assert held_order.review_blockers == []
    assert "放行“信用额度”：客户已预付" in response.content.decode()


def test_reviewer_rejects_with_a_reason_code(client, held_order):
    custom = ProductFactory(stock_type=StockType.CUSTOM)
    order = make_order(lines=[(custom, 1, "10.00")])
    client.force_login(user_with_role(roles.REVIEWER))
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert '<option value="地址模糊">地址模糊</option>' in page
    client.post(reverse("orders:action", args=[order.number, "reject"]), {"reason_code": "价格有误", "reason": "低于底价"})
    order.refresh_from_db()
    event = order.events.get(action="reject")
    assert order.status == OrderStatus.REJECTED
    assert event.reason == "价格有误：低于底价" and event.data["reason_code"] == "价格有误"


def test_rerun_and_copy_buttons(client, django_capture_on_commit_callbacks):
    custom = ProductFactory(stock_type=StockType.CUSTOM)
    order = make_order(lines=[(custom, 1, "10.00")])
    client.force_login(user_with_role(roles.REVIEWER))
    client.post(reverse("orders:rerun_review", args=[order.number]))
    assert order.checks.count() == 6
    assert client.post(reverse("orders:copy", args=[order.number])).status_code == 403

    client.force_login(user_with_role(roles.SALES))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orders:copy", args=[order.number]))
    copy_number = response.url.rstrip("/").split("/")[-1]
    assert copy_number != order.number and response.status_code == 302


def test_manager_changes_the_threshold_in_the_portal_and_the_change_is_listed(client):
    client.force_login(user_with_role(roles.REVIEWER))
    assert client.get(reverse("portal:policies")).status_code == 403
    manager = user_with_role(roles.MANAGER)
    client.force_login(manager)
    response = client.post(reverse("portal:policies"), {"key": "manual_review_threshold", "value": "80000", "reason": "旺季放宽"}, follow=True)
    body = response.content.decode()
    assert "已更新" in body and "80000.00" in body and "旺季放宽" in body
    bad = client.post(reverse("portal:policies"), {"key": "manual_review_threshold", "value": "abc", "reason": "x"}, follow=True)
    assert "必须是数字" in bad.content.decode()
