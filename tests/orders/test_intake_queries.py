"""One order from entry to allocated in a bounded number of SQL statements.

The count covers what a clerk's click and the review task do: the order with its lines,
prices, timeline, the automatic review (six checks), approval, FIFO allocation and the
customer notices written to the outbox. Not counted: transaction control (BEGIN, COMMIT,
SAVEPOINT — SQLite logs them, PostgreSQL's driver does not) and the sending of the notices,
which is the outbox worker's own task. Before the batch path it was 55 (73 with those).
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillment.services import notifications
from ordermgmt import policies, roles
from ordermgmt.policies import get_policy, policy_update
from ordermgmt.scoped_cache import cache_scope
from orders.models import LevelDiscount, Order, OrderStatus
from orders.pricing import PriceBook
from orders.services import LineInput, order_create, order_place, price_rule_deactivate, price_rule_save
from tests.factories import CustomerFactory, ProductFactory, details_for, receive, user_with_role

MAX_STATEMENTS_CREATE_TO_ALLOCATED = 25
MAX_STATEMENTS_PORTAL_REQUEST = 34  # 32 measured: the service path + session, user, permissions, form lookups
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


def data_statements(captured) -> list[str]:
    return [q["sql"] for q in captured if not TRANSACTION_CONTROL.match(q["sql"])]


@pytest.fixture
def shop(reference_data, monkeypatch):
    """A clerk, a customer and three products in stock; notices are handed to the outbox
    worker (recorded here) instead of being sent within the measured path."""
    handed_to_outbox = []
    monkeypatch.setattr(notifications, "dispatch", handed_to_outbox.extend)
    clerk = user_with_role(roles.SALES)
    clerk.has_perm("orders.add_order")  # the view's permission_required has loaded the clerk's permissions
    products = [ProductFactory(list_price=Decimal("10.00")) for _ in range(3)]
    for product in products:
        receive(product, 100, days_ago=2)
        receive(product, 100, days_ago=1)
    return {"clerk": clerk, "customer": CustomerFactory(), "products": products, "outbox": handed_to_outbox}


def assert_entered_reviewed_and_allocated(order, shop):
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    assert order.checks.count() == 6
    assert [e.action for e in order.events.order_by("created_at", "id")] == ["create", "auto_review", "approve", "allocate"]
    assert shop["outbox"], "the acceptance notice was written and handed to the outbox worker"


@pytest.mark.django_db(transaction=True)
def test_an_order_entered_in_the_portal_is_reviewed_and_allocated_within_25_statements(shop):
    lines = [LineInput(product=product, quantity=2) for product in shop["products"]]
    with CaptureQueriesContext(connection) as captured:
        order = order_place(user=shop["clerk"], details=details_for(shop["customer"]), lines=lines)

    assert_entered_reviewed_and_allocated(order, shop)
    statements = data_statements(captured.captured_queries)
    assert len(statements) <= MAX_STATEMENTS_CREATE_TO_ALLOCATED, "\n".join(statements)


@pytest.mark.django_db(transaction=True)
def test_an_order_created_through_the_api_service_is_reviewed_and_allocated_within_25_statements(shop):
    """What the REST API's single create calls: ``order_create``, whose review is queued on commit."""
    lines = [LineInput(product=product, quantity=3) for product in shop["products"]]
    with CaptureQueriesContext(connection) as captured:
        order = order_create(user=shop["clerk"], details=details_for(shop["customer"], channel="api"), lines=lines)

    assert_entered_reviewed_and_allocated(order, shop)
    statements = data_statements(captured.captured_queries)
    assert len(statements) <= MAX_STATEMENTS_CREATE_TO_ALLOCATED, "\n".join(statements)


@pytest.mark.django_db(transaction=True)
def test_the_whole_portal_request_adds_only_the_session_the_user_and_the_form_lookups(shop, client):
    """The POST of the entry form as a browser sends it: session, user, permissions and the
    form's lookups of the customer and each product come on top of the service's statements."""
    client.force_login(shop["clerk"])
    customer = shop["customer"]
    form = {
        "customer": customer.pk, "contact_name": "张三", "contact_phone": "13812345678", "ship_province": "上海市",
        "ship_city": "上海市", "ship_district": "浦东新区", "ship_address": "张江路100号", "channel": "phone",
        "order_type": "stock", "priority": "normal", "invoice_type": "none", "payment_method": "bank_transfer",
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "1000",
    }
    for index, product in enumerate(shop["products"]):
        form.update({f"lines-{index}-product": product.pk, f"lines-{index}-quantity": "2"})
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/orders/new/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert_entered_reviewed_and_allocated(Order.objects.get(), shop)
    statements = data_statements(captured.captured_queries)
    assert len(statements) <= MAX_STATEMENTS_PORTAL_REQUEST, "\n".join(statements)


@pytest.mark.django_db
def test_policies_are_read_once_per_scope_and_a_change_is_seen_at_once(manager):
    with cache_scope():
        with CaptureQueriesContext(connection) as captured:
            for definition in (policies.MANUAL_REVIEW_THRESHOLD, policies.DUPLICATE_WINDOW_HOURS,
                               policies.MAX_MANUAL_DISCOUNT_PERCENT, policies.SESSION_IDLE_HOURS):
                get_policy(definition)
        assert len(captured.captured_queries) == 1

        policy_update(user=manager, definition=policies.MANUAL_REVIEW_THRESHOLD, value="800", reason="双11 前收紧")

        assert get_policy(policies.MANUAL_REVIEW_THRESHOLD) == Decimal("800.00")


@pytest.mark.django_db
def test_price_rules_are_read_once_per_scope_and_a_saved_or_switched_off_rule_is_seen_at_once(manager):
    customer = CustomerFactory(level="vip")
    product = ProductFactory(list_price=Decimal("100.00"))
    with cache_scope():
        assert PriceBook(customers=[customer], products=[product]).rule_price(
            customer=customer, product=product, quantity=1).source == "list"
        with CaptureQueriesContext(connection) as captured:
            PriceBook(customers=[customer], products=[product])
        assert not any("orders_leveldiscount" in q["sql"] for q in captured.captured_queries)

        rule = price_rule_save(user=manager, rule=LevelDiscount(level="vip", percent_of_list=Decimal("90"),
                                                                valid_from=date(2020, 1, 1)))
        assert PriceBook(customers=[customer], products=[product]).rule_price(
            customer=customer, product=product, quantity=1).unit_price == Decimal("90.00")

        price_rule_deactivate(user=manager, rule=rule)
        assert PriceBook(customers=[customer], products=[product]).rule_price(
            customer=customer, product=product, quantity=1).source == "list"


@pytest.fixture
def manager(reference_data):
    return user_with_role(roles.MANAGER)
