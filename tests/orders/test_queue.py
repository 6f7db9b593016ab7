"""The queues: how they are sorted, and what a 主管 finds waiting for a release."""

import re

import pytest
from django.urls import reverse

from ordermgmt import roles
from tests.factories import user_with_role

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
