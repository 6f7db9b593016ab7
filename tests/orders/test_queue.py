"""The queues: how they are sorted, and what a 主管 finds waiting for a release."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import StockType
from ordermgmt import roles
from orders import services
from orders.models import OrderStatus
from tests.factories import CustomerFactory, ProductFactory, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


def _queue_sentence(client) -> str:
    page = client.get(reverse("portal:home")).content.decode()
    return re.search(r'<p class="muted" data-testid="queue-order">(.*?)</p>', page, re.S).group(1)


def test_the_queue_page_says_how_the_queue_is_really_sorted(client):
    client.force_login(user_with_role(roles.REVIEWER))
    assert _queue_sentence(client) == (
        "等待您的角色处理的订单按优先级分值从高到低排列，分值相同的按等待时间从长到短。"
        "分值：加急 +1000；VIP客户 +300、重要客户 +150；订单金额每 ¥1,000 +1（最多 +200）；换货订单 +2000。"
    )


def test_the_queue_sentence_quotes_every_figure_of_the_score_table(client):
    from dataclasses import fields

    from orders.workflow import QUEUE_PRIORITY

    client.force_login(user_with_role(roles.REVIEWER))
    figures = _queue_sentence(client).replace(",", "")  # ¥1,000 → 1000
    for field in fields(QUEUE_PRIORITY):
        value = getattr(QUEUE_PRIORITY, field.name)
        for points in (value.values() if isinstance(value, dict) else [value]):
            assert f"+{points}" in figures or f"¥{points}" in figures, field.name


@pytest.fixture
def held_and_waiting(django_capture_on_commit_callbacks):
    """Two orders waiting for review: one held by the credit check (only a 主管 may release
    it), one that only needs a reviewer."""
    product = ProductFactory()
    receive(product, 50)
    with django_capture_on_commit_callbacks(execute=True):
        held = make_order(customer=CustomerFactory(credit_limit=Decimal("100.00")), lines=[(product, 5, "100.00")])
        waiting = make_order(lines=[(ProductFactory(stock_type=StockType.CUSTOM), 1, "60000.00")],
                             customer=CustomerFactory(credit_limit=Decimal("1000000.00")))
    held.refresh_from_db()
    waiting.refresh_from_db()
    assert held.status == waiting.status == OrderStatus.PENDING_REVIEW
    assert held.awaiting_manager and not waiting.awaiting_manager
    return held, waiting


def test_a_manager_filters_the_orders_waiting_for_a_release(client, held_and_waiting):
    held, waiting = held_and_waiting
    client.force_login(user_with_role(roles.MANAGER))
    page = client.get(reverse("orders:list"), {"waiting": "manager_release"}).content.decode()
    assert held.number in page and waiting.number not in page
    assert '<option value="manager_release" selected>等待主管放行</option>' in page


def test_the_dashboard_counts_the_orders_waiting_for_a_release_and_links_to_them(client, held_and_waiting):
    held, waiting = held_and_waiting
    cancelled = make_order(customer=CustomerFactory(credit_limit=Decimal("1.00")))
    services.order_auto_review(order=cancelled)
    cancelled = services.order_cancel(order=cancelled, user=None, reason="客户取消")
    assert cancelled.awaiting_manager, "the flag outlives the cancellation"
    client.force_login(user_with_role(roles.MANAGER))
    response = client.get(reverse("portal:home"))
    assert response.context["dashboard"]["awaiting_manager_count"] == 1, "held and still waiting only"
    page = response.content.decode()
    assert f'href="{reverse("orders:list")}?waiting=manager_release"' in page
    assert re.search(r'data-testid="awaiting-manager">\s*1\s*<', page)
