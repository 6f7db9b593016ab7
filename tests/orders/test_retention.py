"""Retention of personal data: archived orders and inactive customers past their keeping time
(业务规则, default 3 years) lose their people's data; amounts, invoices, payments, province and
city stay, so the monthly report reads the same; the tracking page says the order is archived."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from customers.models import DataSubjectRequest
from fulfillment.models import NotificationMessage
from fulfillment.tracking import tracking_token
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden
from ordermgmt.policies import ARCHIVED_ORDER_RETENTION_YEARS, policy_update
from orders import services
from orders.models import Order, RetentionRun
from reports.metrics import compute_report
from tests.factories import CustomerFactory, delivered_order, make_order, user_with_role

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH_2022 = datetime(2022, 3, 10, 10, tzinfo=SHANGHAI)
JANUARY_2024 = datetime(2024, 1, 15, 10, tzinfo=SHANGHAI)
NOW = datetime(2025, 6, 1, 9, tzinfo=SHANGHAI)  # 3 years after March 2022, not after 2024
AMOUNTS = ["goods_amount", "discount_amount", "freight_amount", "subtotal", "tax_amount", "total",
           "paid_amount", "refunded_amount", "returned_amount", "invoice_type", "invoice_title",
           "ship_province", "ship_city", "ship_district", "status"]


@pytest.fixture(autouse=True)
def _own_rate_limits(settings):
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"


def _completed(customer, **contact):
    order = delivered_order(customer=customer, **contact)
    services.payment_record(order=order, user=None, amount=order.total, reference="银行转账")
    return services.order_complete(order=Order.objects.get(pk=order.pk), user=None)


def _cancelled(customer, **contact):
    return services.order_cancel(order=make_order(customer=customer, **contact), user=None, reason="客户取消")


@pytest.fixture
def old_month():
    """A month of orders in March 2022: two customers, completed and cancelled orders, one
    still open (a long 定制 job) — and a customer who ordered again in 2024."""
    with time_machine.travel(MARCH_2022, tick=False):
        gone = CustomerFactory(name="旧客户有限公司")
        returning = CustomerFactory(name="回头客有限公司")
        orders = {
            "gone_completed": _completed(gone, contact_name="李四", contact_phone="13900001111"),
            "gone_cancelled": _cancelled(gone, contact_name="李四", contact_phone="13900001111"),
            "returning_completed": _completed(returning, contact_name="王五", contact_phone="13700002222"),
            "still_open": delivered_order(customer=returning, contact_name="王五", contact_phone="13700002222"),
        }
    with time_machine.travel(JANUARY_2024, tick=False):
        orders["recent"] = _completed(returning, contact_name="王五", contact_phone="13700002222")
    return {"gone": gone, "returning": returning, **{k: Order.objects.get(pk=v.pk) for k, v in orders.items()}}


def _snapshot():
    return {order.number: {name: getattr(order, name) for name in AMOUNTS} for order in Order.objects.all()}


def test_the_plan_lists_only_what_is_past_its_keeping_time(old_month):
    plan = services.retention_plan(now=NOW)

    assert plan.order_count == 3
    assert {row["number"] for row in plan.sample_orders} == {
        old_month["gone_completed"].number, old_month["gone_cancelled"].number,
        old_month["returning_completed"].number}, "not the open order, not the one completed in 2024"
    assert plan.oldest_order_archived_at.astimezone(SHANGHAI).date() == date(2022, 3, 10)
    assert plan.customer_count == 1 and plan.sample_customers[0]["code"] == old_month["gone"].code

    assert services.retention_plan(now=datetime(2025, 3, 1, tzinfo=SHANGHAI)).is_empty, "not yet 3 years"


def test_the_keeping_time_is_a_policy(old_month):
    policy_update(user=None, definition=ARCHIVED_ORDER_RETENTION_YEARS, value="4", reason="财务要求保留4年")
    assert services.retention_plan(now=NOW).order_count == 0


def test_apply_anonymises_exactly_the_plan_and_keeps_the_accounting_records(old_month):
    before = _snapshot()
    with time_machine.travel(NOW, tick=False):
        run = services.retention_apply(user=None, now=NOW)

    assert (run.orders, run.customers) == (3, 1)
    assert _snapshot() == before, "amounts, invoices, payments, province and city unchanged"
    for key in ("gone_completed", "gone_cancelled", "returning_completed"):
        order = Order.objects.get(pk=old_month[key].pk)
        assert (order.contact_name, order.contact_phone, order.contact_email, order.ship_address) == (
            "（已删除）", "", "", "")
        assert (order.contact_name_index, order.contact_phone_index) == ("", "")
        assert order.anonymised_at is not None
        notices = NotificationMessage.objects.filter(order=order)
        assert all(n.recipient == "" and n.body == "（已删除）" for n in notices)
    for key in ("still_open", "recent"):
        order = Order.objects.get(pk=old_month[key].pk)
        assert (order.contact_name, order.contact_phone, order.anonymised_at) == ("王五", "13700002222", None)
        assert NotificationMessage.objects.filter(order=order).exclude(recipient="").exists()
    assert old_month["gone"].contacts.get().phone == "" and old_month["gone"].addresses.get().detail == ""
    assert old_month["returning"].contacts.get().phone == "13812345678", "the returning customer keeps its people"
    erasure = DataSubjectRequest.objects.get()
    assert (erasure.customer, erasure.kind, erasure.reason) == (old_month["gone"], "erase", "保存期限到期")
    assert Order.objects.filter(payments__isnull=False).count() == 3


def test_a_second_run_does_nothing(old_month):
    services.retention_apply(user=None, now=NOW)
    before = {o.pk: (o.contact_name, o.anonymised_at) for o in Order.objects.all()}

    assert services.retention_plan(now=NOW).is_empty
    second = services.retention_apply(user=None, now=NOW)

    assert (second.orders, second.customers, second.counts) == (0, 0, {})
    assert {o.pk: (o.contact_name, o.anonymised_at) for o in Order.objects.all()} == before
    assert DataSubjectRequest.objects.count() == 1 and RetentionRun.objects.count() == 2


def test_the_monthly_report_reads_the_same_after_anonymisation(old_month):
    with time_machine.travel(NOW, tick=False):
        before = compute_report(date(2022, 3, 1), date(2022, 3, 31), monthly=True)
        services.retention_apply(user=None, now=NOW)
        after = compute_report(date(2022, 3, 1), date(2022, 3, 31), monthly=True)

    assert before["headline"]["orders"] == 4 and before["headline"]["cancelled"] == 1, "the month is not empty"
    assert after == before


def test_the_tracking_page_of_an_anonymised_order_says_it_is_archived(client, old_month):
    order = old_month["gone_completed"]
    services.retention_apply(user=None, now=NOW)

    page = client.get(reverse("tracking:signed", args=[tracking_token(order)])).content.decode()
    assert 'data-testid="tracking-archived"' in page and "已归档" in page
    assert "李*" not in page and "1111" not in page

    looked_up = client.post("/track/", {"number": order.number, "phone_last4": "1111"}, follow=True)
    html = looked_up.content.decode()
    assert "已归档" in html and "无法再用订单号和手机号后4位查询" in html
    assert not looked_up.redirect_chain, "the old digits open nothing"


def test_the_page_shows_the_dry_run_and_a_manager_applies_it(client, old_month):
    manager = user_with_role(roles.MANAGER, "boss-retention")
    client.force_login(manager)
    rules = client.get(reverse("portal:policies")).content.decode()
    assert reverse("orders:retention") in rules and "已归档订单个人信息保存年限" in rules
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("orders:retention")).content.decode()
        assert 'data-testid="plan-orders">3<' in page and 'data-testid="plan-customers">1<' in page
        assert old_month["gone_completed"].number in page and "执行匿名化" in page
        assert Order.objects.filter(anonymised_at__isnull=False).count() == 0, "the dry run changes nothing"

        response = client.post(reverse("orders:retention_apply"), follow=True)
    html = response.content.decode()
    assert "匿名化已完成：订单 3 个，客户 1 个" in html
    run = RetentionRun.objects.get()
    assert (run.ran_by, run.orders, run.customers) == (manager, 3, 1)
    assert 'data-testid="retention-runs"' in html and "没有超过保存期限的个人信息" in html


@pytest.mark.parametrize("role", [roles.SALES, roles.SERVICE, roles.ANALYST, roles.REVIEWER])
def test_only_a_manager_sees_or_applies_retention(client, old_month, role):
    user = user_with_role(role)
    client.force_login(user)
    assert client.get(reverse("orders:retention")).status_code == 403
    assert client.post(reverse("orders:retention_apply")).status_code == 403
    with pytest.raises(ActionForbidden):
        services.retention_apply(user=user, now=NOW)
    assert not Order.objects.filter(anonymised_at__isnull=False).exists()


def test_the_monthly_task_applies_retention_and_is_scheduled(settings, old_month):
    from orders.tasks import apply_retention

    assert settings.CELERY_BEAT_SCHEDULE["orders-apply-retention"]["task"] == "orders.tasks.apply_retention"
    with time_machine.travel(NOW, tick=False):
        result = apply_retention.apply().get()
    assert (result["orders"], result["customers"]) == (3, 1)
    assert RetentionRun.objects.get().ran_by is None
    assert Decimal(Order.objects.get(pk=old_month["gone_completed"].pk).paid_amount) > 0


def test_an_order_erased_on_the_customers_request_is_archived_on_the_tracking_page_too(client, old_month):
    from customers.services import personal_data_erase

    personal_data_erase(user=user_with_role(roles.MANAGER), customer=old_month["gone"], reason="客户书面申请删除")
    order = Order.objects.get(pk=old_month["gone_completed"].pk)

    assert order.anonymised_at is not None
    page = client.get(reverse("tracking:signed", args=[tracking_token(order)])).content.decode()
    assert 'data-testid="tracking-archived"' in page
