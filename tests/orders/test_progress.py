"""The progress bar on the order page shows where the order stands now, not every step it
ever reached: after 退回重新审核 or 驳回 the later steps are no longer done."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import StockType
from ordermgmt import roles
from orders import services
from orders.models import OrderStatus
from orders.selectors import order_progress
from tests.factories import ProductFactory, details_for, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {role: user_with_role(role) for role in (roles.SALES, roles.REVIEWER, roles.MANAGER)}


def _allocated_order(people):
    product = ProductFactory(list_price=Decimal("100.00"))
    receive(product, 20)
    order = make_order(user=people[roles.SALES], lines=[(product, 2, None)])
    order = services.order_approve(order=order, user=people[roles.REVIEWER])  # 现货 in stock: allocated at once
    assert order.status == OrderStatus.ALLOCATED
    return order


def _send_back_to_review(order, user):
    """A material edit (a changed quantity) of an approved order: 退回重新审核."""
    line = order.lines.get()
    order = services.order_update(
        user=user, order=order, details=details_for(order.customer),
        lines=[services.LineInput(product=line.product, quantity=line.quantity + 1)],
    )
    assert order.status == OrderStatus.PENDING_REVIEW
    return order


def _bar(client, order) -> tuple[list[str], list[str]]:
    """(done step labels, current step labels) as the order page renders them."""
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    bar = re.search(r'<ol class="progress">(.*?)</ol>', page, re.S).group(1)
    steps = re.findall(r'<li class="([^"]*)">([^<]+)</li>', bar)
    return ([label for css, label in steps if "done" in css.split()],
            [label for css, label in steps if "current" in css.split()])


def test_an_allocated_order_shows_the_steps_before_allocation_as_done(client, people):
    order = _allocated_order(people)
    client.force_login(people[roles.SALES])
    assert _bar(client, order) == (["待审核", "已审核"], ["已分配"])


def test_an_allocated_order_sent_back_to_review_shows_no_step_done(client, people):
    order = _send_back_to_review(_allocated_order(people), people[roles.SALES])
    client.force_login(people[roles.SALES])
    assert _bar(client, order) == ([], ["待审核"])


def test_an_order_rejected_after_a_step_back_stands_at_the_review_step(client, people):
    order = _send_back_to_review(_allocated_order(people), people[roles.SALES])
    services.order_reject(order=order, user=people[roles.REVIEWER], reason="价格有误")
    client.force_login(people[roles.SALES])
    assert _bar(client, order) == ([], ["待审核"])


def test_an_order_cancelled_after_a_step_back_shows_only_the_review_step_as_reached(people):
    order = _send_back_to_review(_allocated_order(people), people[roles.SALES])
    order = services.order_cancel(order=order, user=people[roles.MANAGER], reason="客户取消")
    progress = order_progress(order)
    assert [step["label"] for step in progress if step["done"]] == ["待审核"]
    assert not any(step["current"] for step in progress)


def test_a_custom_order_in_production_has_not_been_allocated_yet(people):
    order = make_order(user=people[roles.SALES], lines=[(ProductFactory(stock_type=StockType.CUSTOM), 1, "900")])
    order = services.order_approve(order=order, user=people[roles.REVIEWER])
    order = services.order_start_production(order=order, user=people[roles.MANAGER])
    progress = order_progress(order)
    assert [step["label"] for step in progress] == ["待审核", "已审核", "生产中", "已分配", "已出库", "配送中", "已交付", "已完成"]
    assert [step["label"] for step in progress if step["done"]] == ["待审核", "已审核"]
    assert [step["label"] for step in progress if step["current"]] == ["生产中"]
