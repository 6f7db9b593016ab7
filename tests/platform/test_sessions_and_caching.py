"""A signed-in session ends after the idle time a 主管 sets; its pages are never stored."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ordermgmt import policies, roles
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def sales(db):
    return user_with_role(roles.SALES)


@pytest.mark.parametrize("url", ["/", "/orders/", "/customers/"])
def test_pages_of_a_signed_in_user_are_not_stored_by_browsers_or_proxies(client, sales, url):
    client.force_login(sales)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_idle_timeout_is_a_policy_of_eight_hours_by_default():
    assert policies.get_policy(policies.SESSION_IDLE_HOURS) == 8


def test_a_session_left_idle_for_the_policy_time_ends(client, sales):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(sales)
        assert _signed_in(client)
    with time_machine.travel(start + timedelta(hours=8, minutes=1), tick=False):
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_activity_keeps_the_session_open_past_the_idle_time(client, sales):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(sales)
        assert _signed_in(client)
    for hours in (7, 14, 21):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            assert _signed_in(client), f"active every 7 h, still signed in after {hours} h"


def test_a_manager_shortens_the_idle_time_for_every_session(client, sales):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(sales)
        assert _signed_in(client)
        policies.policy_update(user=user_with_role(roles.MANAGER), definition=policies.SESSION_IDLE_HOURS,
                               value="1", reason="共用电脑")
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert _signed_in(client)
    with time_machine.travel(start + timedelta(minutes=30 + 61), tick=False):
        assert not _signed_in(client)


def test_a_session_lasts_the_idle_time_not_fourteen_days(client, sales):
    from django.contrib.sessions.models import Session

    client.force_login(sales)
    client.get("/")
    stored = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert stored.expire_date <= timezone.now() + timedelta(hours=8)
