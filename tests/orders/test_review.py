"""Automatic review: each named check, auto-approval, manual review, holds and overrides."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import CustomerLevel
from inventory.models import StockBatch, StockType
from ordermgmt import policies, roles
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from orders import services
from orders.models import Order, OrderStatus, ReviewCheck
from orders.selectors import order_waiting_reason
from tests.factories import CustomerFactory, ProductFactory, details_for, make_order, receive, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked():
    product = ProductFactory(list_price=Decimal("100.00"))
    receive(product, 100)
    return product


def submit(django_capture_on_commit_callbacks, **kwargs) -> Order:
    """Create an order and let the automatic review queued on commit run (eager Celery)."""
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(**kwargs)
    order.refresh_from_db()
    return order


def results(order) -> dict:
    return {c.name: c.result for c in order.checks.all()}


def test_clean_small_stock_order_is_approved_and_allocated_by_the_system(django_capture_on_commit_callbacks, stocked):
    order = submit(django_capture_on_commit_callbacks, lines=[(stocked, 5, "100.00")])
    assert order.status == OrderStatus.ALLOCATED
    assert set(results(order).values()) == {"pass"}
    approve = order.events.get(action="approve")
    assert approve.actor is None and approve.actor_name == "系统"
    assert order.events.get(action="allocate").actor_name == "系统"


def test_large_order_needs_manual_review(django_capture_on_commit_callbacks, stocked):
    # 600 × ¥100 = ¥60,000 + VAT: above the ¥50,000 default threshold.
    order = submit(django_capture_on_commit_callbacks, lines=[(stocked, 600, "100.00")],
                   customer=CustomerFactory(credit_limit=Decimal("1000000")))
    receive(stocked, 1000)
    assert order.status == OrderStatus.PENDING_REVIEW and order.needs_manual_review
    assert "超过人工审核阈值 ¥50,000.00" in order_waiting_reason(order)


def test_manual_review_threshold_is_a_policy_a_manager_changes_with_a_log(django_capture_on_commit_callbacks, stocked):
    manager = user_with_role(roles.MANAGER)
    with pytest.raises(ActionForbidden):
        policies.policy_update(user=user_with_role(roles.REVIEWER), definition=policies.MANUAL_REVIEW_THRESHOLD,
                               value="100", reason="试试")
    with pytest.raises(InvalidInput):
        policies.policy_update(user=manager, definition=policies.MANUAL_REVIEW_THRESHOLD, value="100", reason="")
    policies.policy_update(user=manager, definition=policies.MANUAL_REVIEW_THRESHOLD, value="1,000", reason="加强管控")
    assert policies.get_policy(policies.MANUAL_REVIEW_THRESHOLD) == Decimal("1000.00")
    from ordermgmt.models import PolicyChange

    change = PolicyChange.objects.get()
    assert (change.old_value, change.new_value, change.changed_by, change.reason) == ("50000.00", "1000.00", manager, "加强管控")
    order = submit(django_capture_on_commit_callbacks, lines=[(stocked, 10, "100.00")])  # ¥1,130 incl. VAT
    assert order.status == OrderStatus.PENDING_REVIEW and order.needs_manual_review


def test_custom_orders_always_go_to_a_reviewer(django_capture_on_commit_callbacks):
    custom = ProductFactory(stock_type=StockType.CUSTOM)
    order = submit(django_capture_on_commit_callbacks, lines=[(custom, 1, "10.00")])
    assert order.status == OrderStatus.PENDING_REVIEW
    stock = order.checks.get(name="stock")
    assert stock.result == "pass" and "定制订单" in stock.message, "shortage is expected on custom orders"
    assert "定制订单须人工审核" in order_waiting_reason(order)


def test_stock_shortage_names_each_short_line_and_by_how_much(django_capture_on_commit_callbacks, stocked):
    scarce = ProductFactory(sku="SC-01", name="稀缺件")
    receive(scarce, 2)
    order = submit(django_capture_on_commit_callbacks, lines=[(stocked, 1, "100.00"), (scarce, 5, "10.00")])
    check = order.checks.get(name="stock")
    assert check.result == "warn"
    assert "第2行 SC-01 稀缺件：需要 5，可用 2，缺 3" in check.message
    assert check.figures["short_lines"] == [{"line": 2, "sku": "SC-01", "required": 5, "available": 2, "missing": 3}]
    assert order.status == OrderStatus.PENDING_REVIEW


def test_credit_block_holds_the_order_until_a_manager_releases_it(django_capture_on_commit_callbacks, stocked):
    customer = CustomerFactory(credit_limit=Decimal("1000.00"))
    submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 5, "100.00")])  # ¥565 open
    order = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 5, "100.00")])
    credit = order.checks.get(name="credit")
    assert credit.result == "block"
    assert credit.figures == {
        "open_receivables": "565.00", "this_order": "565.00", "exposure": "1130.00",
        "credit_limit": "1000.00", "excess": "130.00",
    }
    assert order.is_on_credit_hold and order.awaiting_manager
    assert order_waiting_reason(order).startswith("信用额度不足")

    reviewer = user_with_role(roles.REVIEWER)
    with pytest.raises(InvalidTransition) as error:
        services.order_approve(order=order, user=reviewer)
    assert "信用额度不足" in str(error.value)
    with pytest.raises(ActionForbidden):
        services.order_override_check(order=order, user=reviewer, check_name="credit", reason="老客户")

    manager = user_with_role(roles.MANAGER)
    with pytest.raises(InvalidInput):
        services.order_override_check(order=order, user=manager, check_name="credit", reason=" ")
    order = services.order_override_check(order=order, user=manager, check_name="credit", reason="客户已承诺月底回款")
    assert not order.is_on_credit_hold
    event = order.events.get(action="override_check")
    assert event.actor == manager and "客户已承诺月底回款" in event.reason
    order = services.order_approve(order=order, user=reviewer)
    assert order.status == OrderStatus.ALLOCATED


def test_payments_lower_receivables_for_the_credit_check(django_capture_on_commit_callbacks, stocked):
    customer = CustomerFactory(credit_limit=Decimal("1000.00"))
    first = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 5, "100.00")])
    services.payment_record(order=first, user=None, amount=Decimal("565.00"))
    second = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 5, "100.00")])
    assert second.checks.get(name="credit").result == "pass"


def test_cancelled_orders_do_not_count_against_credit(django_capture_on_commit_callbacks, stocked):
    customer = CustomerFactory(credit_limit=Decimal("1000.00"))
    first = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 5, "100.00")])
    services.order_cancel(order=first, user=None, reason="客户取消")
    second = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 5, "100.00")])
    assert second.checks.get(name="credit").result == "pass"


def test_overdue_debt_warns_and_needs_a_manager_with_a_reason(django_capture_on_commit_callbacks, stocked):
    customer = CustomerFactory(payment_terms_days=30)
    old = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 1, "100.00")])
    services.order_ship(order=old, user=None)
    Order.objects.filter(pk=old.pk).update(shipped_at=timezone.now() - timedelta(days=45))

    order = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 2, "100.00")])
    overdue = order.checks.get(name="overdue")
    assert overdue.result == "warn" and overdue.needs_override
    assert old.number in overdue.message and "已逾期 15 天" in overdue.message
    assert order.status == OrderStatus.PENDING_REVIEW and order.awaiting_manager
    with pytest.raises(InvalidTransition):
        services.order_approve(order=order, user=user_with_role(roles.REVIEWER))
    services.order_override_check(order=order, user=user_with_role(roles.MANAGER), check_name="overdue",
                                  reason="已电话催收，本周付款")
    assert services.order_approve(order=order, user=user_with_role(roles.REVIEWER)).status == OrderStatus.ALLOCATED


def test_incomplete_order_is_blocked_and_cannot_be_released(django_capture_on_commit_callbacks, stocked):
    order = submit(django_capture_on_commit_callbacks, lines=[(stocked, 1, "100.00")], ship_address="东门")
    check = order.checks.get(name="completeness")
    assert check.result == "block" and "详细地址过于简单" in check.message
    with pytest.raises(InvalidInput):
        services.order_override_check(order=order, user=user_with_role(roles.MANAGER), check_name="completeness",
                                      reason="就这样")
    with pytest.raises(InvalidTransition):
        services.order_approve(order=order, user=user_with_role(roles.MANAGER))
    # The reviewer sends it back; the clerk fixes the address; the review runs again and passes.
    order = services.order_reject(order=order, user=user_with_role(roles.REVIEWER), reason="请补充门牌号",
                                  reason_code="地址模糊")
    assert order.events.get(action="reject").reason == "地址模糊：请补充门牌号"
    sales = user_with_role(roles.SALES)
    services.order_update(user=sales, order=order, details=details_for(order.customer),
                          lines=[services.LineInput(product=stocked, quantity=1, unit_price=Decimal("100.00"))])
    with django_capture_on_commit_callbacks(execute=True):
        services.order_resubmit(order=order, user=sales)
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED


def test_duplicate_order_within_24_hours_is_a_warning(django_capture_on_commit_callbacks, stocked):
    customer = CustomerFactory()
    first = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 3, "100.00")])
    second = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 3, "100.00")])
    duplicate = second.checks.get(name="duplicate")
    assert duplicate.result == "warn" and first.number in duplicate.message
    assert second.status == OrderStatus.PENDING_REVIEW and not second.awaiting_manager
    other = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 4, "100.00")])
    assert other.checks.get(name="duplicate").result == "pass"


def test_editing_an_allocated_order_sends_it_back_to_review_and_releases_stock(django_capture_on_commit_callbacks, stocked):
    order = submit(django_capture_on_commit_callbacks, lines=[(stocked, 5, "100.00")])
    assert order.status == OrderStatus.ALLOCATED
    sales = user_with_role(roles.SALES)
    with django_capture_on_commit_callbacks(execute=False):
        order = services.order_update(
            user=sales, order=order, details=details_for(order.customer),
            lines=[services.LineInput(product=stocked, quantity=7, unit_price=Decimal("100.00"))],
        )
    assert order.status == OrderStatus.PENDING_REVIEW
    assert sum(StockBatch.objects.values_list("quantity_allocated", flat=True)) == 0
    assert not order.checks.exists(), "approval-time checks do not survive an edit"
    back = order.events.get(action="return_to_review")
    assert (back.from_status, back.to_status, back.actor_name) == ("allocated", "pending_review", "系统")


def test_editing_only_the_notes_of_an_approved_order_keeps_its_approval(django_capture_on_commit_callbacks, stocked):
    order = submit(django_capture_on_commit_callbacks, lines=[(stocked, 5, "100.00")])
    order = services.order_update(
        user=user_with_role(roles.SALES), order=order, details=details_for(order.customer, notes="请走货梯"),
        lines=[services.LineInput(product=stocked, quantity=5, unit_price=Decimal("100.00"))],
    )
    assert order.status == OrderStatus.ALLOCATED and order.notes == "请走货梯"


def test_copying_an_order_copies_no_approval(django_capture_on_commit_callbacks, stocked):
    custom = ProductFactory(stock_type=StockType.CUSTOM)
    original = submit(django_capture_on_commit_callbacks, lines=[(custom, 1, "10.00")])
    services.order_approve(order=original, user=user_with_role(roles.REVIEWER))
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.order_copy(order=original, user=user_with_role(roles.SALES))
    copy.refresh_from_db()
    assert copy.number != original.number
    assert copy.status == OrderStatus.PENDING_REVIEW
    assert not copy.events.filter(action="approve").exists()
    assert f"复制自订单 {original.number}" in copy.events.get(action="create").reason


def test_overrides_survive_a_rerun_but_not_an_edit(django_capture_on_commit_callbacks, stocked):
    customer = CustomerFactory(credit_limit=Decimal("100.00"))
    order = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 5, "100.00")])
    manager = user_with_role(roles.MANAGER)
    services.order_override_check(order=order, user=manager, check_name="credit", reason="预付款已到")
    order = services.order_auto_review(order=order, user=manager)
    assert order.status == OrderStatus.ALLOCATED, "nothing else held it: approved by the rerun"

    second = submit(django_capture_on_commit_callbacks, customer=customer, lines=[(stocked, 1, "100.00")])
    services.order_override_check(order=second, user=manager, check_name="credit", reason="预付款已到")
    with django_capture_on_commit_callbacks(execute=True):
        services.order_update(user=user_with_role(roles.SALES), order=second, details=details_for(customer),
                              lines=[services.LineInput(product=stocked, quantity=2, unit_price=Decimal("100.00"))])
    second.refresh_from_db()
    assert second.is_on_credit_hold, "an edit voids the override"


def test_priority_score_orders_every_queue(django_capture_on_commit_callbacks):
    from orders.selectors import order_queue_for_user

    custom = ProductFactory(stock_type=StockType.CUSTOM)
    normal = submit(django_capture_on_commit_callbacks, lines=[(custom, 1, "10.00")])
    vip = submit(django_capture_on_commit_callbacks, lines=[(custom, 1, "10.00")],
                 customer=CustomerFactory(level=CustomerLevel.VIP))
    big = submit(django_capture_on_commit_callbacks, lines=[(custom, 1, "90000.00")],
                 customer=CustomerFactory(credit_limit=Decimal("10000000")))
    urgent = submit(django_capture_on_commit_callbacks, lines=[(custom, 1, "10.00")], priority="urgent")
    assert [normal.priority_score, vip.priority_score, big.priority_score, urgent.priority_score] == [0, 300, 101, 1000]
    queue = list(order_queue_for_user(user_with_role(roles.REVIEWER)).values_list("number", flat=True))
    assert queue == [urgent.number, vip.number, big.number, normal.number]


def test_held_orders_wait_in_the_manager_queue_not_the_reviewers(django_capture_on_commit_callbacks, stocked):
    from orders.selectors import order_queue_for_user

    held = submit(django_capture_on_commit_callbacks, customer=CustomerFactory(credit_limit=Decimal("1")),
                  lines=[(stocked, 1, "100.00")])
    assert held.number not in order_queue_for_user(user_with_role(roles.REVIEWER)).values_list("number", flat=True)
    assert held.number in order_queue_for_user(user_with_role(roles.MANAGER)).values_list("number", flat=True)


def test_rerun_records_the_review_on_the_timeline(django_capture_on_commit_callbacks):
    custom = ProductFactory(stock_type=StockType.CUSTOM)
    order = submit(django_capture_on_commit_callbacks, lines=[(custom, 1, "10.00")])
    services.order_auto_review(order=order, user=user_with_role(roles.REVIEWER))
    assert order.events.filter(action="auto_review").count() == 2
    assert ReviewCheck.objects.filter(order=order).count() == 6, "a rerun replaces the results"
