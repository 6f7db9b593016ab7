"""Read scaling on a real streaming replica (``.ci/run`` starts one with pg_basebackup).

The reports, the dashboard and order-list searches read from the replica; nothing is
written there; a clerk who has just written reads from the primary and finds their change
while the replica lags behind. Run with ``DATABASE_REPLICA_URL`` pointing at the replica of
the ``DATABASE_URL`` cluster (same database name), as ``pytest -m replica``.
"""

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ordermgmt import roles
from ordermgmt.dbrouting import PIN_COOKIE
from orders.models import Order, OrderStatus
from reports.models import Report
from reports.services import report_build
from tests.conftest import need
from tests.factories import make_order, user_with_role

# Without a replica the tests skip (fail in CI) in the fixture below, not in the database set-up.
DATABASES = ["default", "replica"] if "replica" in settings.DATABASES else ["default"]

pytestmark = [
    pytest.mark.replica,
    pytest.mark.django_db(transaction=True, databases=DATABASES),
    pytest.mark.usefixtures("reference_data"),
]

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "TRUNCATE")


@pytest.fixture(autouse=True)
def replica():
    need("replica" in settings.DATABASES, "a streaming replica (DATABASE_REPLICA_URL=postgres://…)")
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0], "DATABASE_REPLICA_URL is not a standby: it would accept writes"


def caught_up():
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + 30
    with connections["replica"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the replica did not catch up within 30 s")


@contextmanager
def replay_paused():
    """The replica stops applying the primary's changes: it lags for as long as we like."""
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def statements(context) -> list[str]:
    return [query["sql"].lstrip().split(None, 1)[0].upper() for query in context.captured_queries]


def test_the_monthly_report_reads_its_figures_from_the_replica_and_writes_nothing_there():
    orders = [make_order() for _ in range(3)]
    Order.objects.filter(pk=orders[0].pk).update(status=OrderStatus.CANCELLED)
    today = timezone.localdate()
    report = Report.objects.create(period_start=today - timedelta(days=1), period_end=today)
    caught_up()
    with CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        report_build(report=report)
    report.refresh_from_db()
    assert report.state == Report.State.DONE
    assert report.data["headline"]["orders"] == 3 and report.data["headline"]["cancelled"] == 1
    read_there = statements(on_replica)
    assert read_there and set(read_there) <= {"SELECT", "WITH"}, read_there
    assert not any(s.startswith(WRITES) for s in read_there)
    # The primary kept only the report's own progress and result.
    assert all("reports_report" in q["sql"] for q in on_primary.captured_queries), on_primary.captured_queries


def test_the_dashboard_and_order_searches_read_from_the_replica(client):
    make_order(contact_name="李四")
    caught_up()
    client.force_login(user_with_role(roles.MANAGER))
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get("/").status_code == 200
    assert "reports_" not in " ".join(statements(on_replica)) and len(on_replica) > 0
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get("/orders/", {"q": "李四"})
    assert response.status_code == 200
    assert any("orders_order" in q["sql"] for q in on_replica.captured_queries)
    assert not any(s.startswith(WRITES) for s in statements(on_replica))


def test_a_clerk_who_just_wrote_reads_the_primary_while_the_replica_lags(client):
    sales = user_with_role(roles.SALES)
    order = make_order(user=sales)
    colleague = user_with_role(roles.SALES, username="sales-colleague")
    caught_up()
    other = type(client)()
    client.force_login(sales)
    other.force_login(colleague)
    caught_up()
    with replay_paused():
        response = client.post(f"/orders/{order.number}/do/cancel/", {"reason": "客户改单"})
        assert response.status_code == 302
        assert PIN_COOKIE in response.cookies
        assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED

        mine = client.get("/orders/", {"status": OrderStatus.CANCELLED})
        theirs = other.get("/orders/", {"status": OrderStatus.CANCELLED})
    # The clerk sees the cancellation at once (primary); the colleague's list comes from the
    # replica, which has not applied it yet — and will within moments.
    assert order.number in mine.content.decode()
    assert order.number not in theirs.content.decode()
    caught_up()
    assert order.number in other.get("/orders/", {"status": OrderStatus.CANCELLED}).content.decode()
