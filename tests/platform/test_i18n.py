"""The UI language: Simplified Chinese by default, English through the switch in the top bar;
records and customer notices stay in the platform's language whatever the UI language."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from fulfillment.notifications.render import notice_values
from ordermgmt import roles
from orders.models import OrderEvent
from tests.factories import CustomerFactory, ProductFactory, make_order, user_with_role

pytestmark = pytest.mark.django_db


def _switch_language(client, language: str, next_url: str = "/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_language_switch_turns_the_portal_english_and_chinese_is_the_default(client):
    order = make_order()  # 待审核, waiting in the reviewer's queue
    client.force_login(user_with_role(roles.REVIEWER))

    home = client.get(reverse("portal:home")).content.decode()
    order_list = client.get(reverse("orders:list")).content.decode()
    assert '<html lang="zh-hans">' in home
    assert ">订单</a>" in home and "我的待办" in home and "待审核" in home
    assert "<h1>订单</h1>" in order_list and "待审核" in order_list

    response = _switch_language(client, "en", next_url=reverse("orders:list"))
    assert response.status_code == 302 and response.url == reverse("orders:list")

    home = client.get(reverse("portal:home")).content.decode()
    order_list = client.get(reverse("orders:list")).content.decode()
    assert '<html lang="en">' in home
    assert ">Orders</a>" in home and "My queue" in home and "Pending review" in home
    assert order.number in home
    assert ">订单</a>" not in home and "我的待办" not in home and "待审核" not in home
    assert "<h1>Orders</h1>" in order_list and "Pending review" in order_list and "Total incl. VAT" in order_list
    assert "<h1>订单</h1>" not in order_list and "待审核" not in order_list and "价税合计" not in order_list

    _switch_language(client, "zh-hans")
    assert "待审核" in client.get(reverse("orders:list")).content.decode()


def test_browser_language_does_not_switch_the_portal_to_english(client):
    make_order()
    client.force_login(user_with_role(roles.REVIEWER))
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "我的待办" in page and "待审核" in page and "Pending review" not in page


def test_english_user_sees_english_messages_but_the_timeline_stays_chinese(client):
    order = make_order()
    client.force_login(user_with_role(roles.SERVICE))
    _switch_language(client, "en")

    response = client.post(reverse("orders:payment_create", args=[order.number]),
                           {"amount": "100.00", "method": "bank_transfer"}, follow=True)

    page = response.content.decode()
    assert "Payment of ¥100.00 recorded" in page
    event = order.events.get(kind=OrderEvent.Kind.NOTE, action="payment")
    assert event.reason.startswith("收款 ¥100.00（对公转账）")


def test_english_user_rerunning_the_review_gets_a_chinese_summary_on_the_timeline(client):
    customer = CustomerFactory()
    product = ProductFactory(list_price=Decimal("100.00"))
    make_order(customer=customer, lines=[(product, 2, None)])
    order = make_order(customer=customer, lines=[(product, 2, None)])  # the same order again: 重复订单
    client.force_login(user_with_role(roles.REVIEWER))
    _switch_language(client, "en")

    client.post(reverse("orders:rerun_review", args=[order.number]))

    summary = order.events.filter(kind=OrderEvent.Kind.REVIEW).latest("pk").reason
    assert "重复订单" in summary and "Duplicate" not in summary


def test_customer_notices_use_the_platform_language_whatever_the_staff_language():
    order = make_order()
    with translation.override("en"):
        values = notice_values(order, None)
    assert values["订单状态"] == "待审核"


def test_an_english_request_leaves_no_english_behind_in_the_thread(client):
    client.force_login(user_with_role(roles.REVIEWER))
    _switch_language(client, "en")
    assert "My queue" in client.get(reverse("portal:home")).content.decode()
    # Code run after the request in the same thread (the next request, a test) is not English.
    assert translation.get_language() == "zh-hans"


def test_english_portal_translates_forms_filters_roles_and_order_actions(client):
    order = make_order()  # 待审核: the reviewer may approve or reject it
    client.force_login(user_with_role(roles.REVIEWER))
    _switch_language(client, "en")

    order_list = client.get(reverse("orders:list")).content.decode()
    assert "All channels" in order_list and "全部渠道" not in order_list  # the filter form
    assert " · Reviewer</span>" in order_list and " · 审核员</span>" not in order_list  # the role in the top bar

    detail = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert ">Approve</button>" in detail and ">审核通过</button>" not in detail  # the workflow's buttons
    # A reject reason is shown translated but still submitted as the code the service checks.
    assert '<option value="地址模糊">' in detail and "地址模糊</option>" not in detail


def test_new_order_form_is_english_for_an_english_user(client):
    client.force_login(user_with_role(roles.SALES))
    _switch_language(client, "en")
    form_page = client.get(reverse("orders:create")).content.decode()
    assert "选择已有客户" not in form_page and "新客户全称" not in form_page


def test_business_rule_errors_read_whole_in_english(client):
    client.force_login(user_with_role(roles.MANAGER))
    _switch_language(client, "en")
    page = client.post(reverse("portal:policies"),
                       {"key": "after_sales_support_days", "value": "400", "reason": "test"}, follow=True)
    body = page.content.decode()
    assert "must be between 1 and 365" in body and "必须" not in body


def test_a_refused_action_explains_itself_in_one_language(client):
    order = make_order()  # 待审核: cannot be completed
    client.force_login(user_with_role(roles.MANAGER))
    _switch_language(client, "en")
    page = client.post(reverse("orders:action", args=[order.number, "complete"]), follow=True).content.decode()
    assert "不能执行“确认完成”" in page and "Pending review”" not in page
