"""After-sales cases end to end: return with refund, exchange, repair, failed inspection."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales import services
from aftersales.models import CaseStatus, Service
from inventory.models import Product, StockBatch
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from orders import services as order_services
from orders.models import OrderStatus
from orders.review import open_receivables
from tests.factories import CustomerFactory, delivered_order, user_with_role

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def desk():
    return {"service": user_with_role(roles.SERVICE), "aftersales": user_with_role(roles.AFTER_SALES)}


def open_case(order, user, service=Service.RETURN_REFUND, quantity=2, case_type="quality"):
    line = order.lines.get()
    return services.case_open(
        order=order, user=user, service=service, case_type=case_type, description="桌腿开裂",
        lines=[services.CaseLineInput(order_line=line, quantity=quantity)],
    )


def available(order):
    return Product.objects.with_stock().get(pk=order.lines.get().product_id).available


def test_return_with_refund_end_to_end_restores_the_order_and_the_stock(desk):
    order = delivered_order(quantity=4)  # 4 × ¥100 = ¥452.00 incl. VAT
    order_services.payment_record(order=order, user=None, amount=D("452.00"))
    before = available(order)
    case = open_case(order, desk["service"], quantity=2)
    order.refresh_from_db()
    assert order.status == OrderStatus.AFTER_SALES and case.status == CaseStatus.PENDING

    case = services.case_approve(case=case, user=desk["aftersales"])
    assert case.status == CaseStatus.AWAITING_RETURN
    case = services.case_receive(case=case, user=desk["aftersales"], intact=True, accessories_complete=True)
    assert case.status == CaseStatus.INSPECTED
    assert available(order) == before + 2, "returned goods are back in sellable stock as a new batch"

    quote = services.refund_quote(case)
    assert (quote.value, quote.refund) == (D("226.00"), D("226.00"))
    case = services.case_refund(case=case, user=desk["aftersales"], reference="退款流水 88")
    order.refresh_from_db()
    assert (order.refunded_amount, order.returned_amount, order.balance_due) == (D("226.00"), D("226.00"), D("0.00"))
    assert case.status == CaseStatus.RESOLVED and case.refund_amount == D("226.00")

    case = services.case_close(case=case, user=desk["aftersales"])
    order.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert order.status == OrderStatus.DELIVERED, "back to where it was before after-sales"
    actions = [e.action for e in case.events.order_by("id")]
    assert actions == ["open", "approve_return", "pass_inspection", "refund", "close"]


def test_refund_of_an_unpaid_order_reduces_what_is_owed_instead(desk):
    customer = CustomerFactory(credit_limit=D("100000"))
    order = delivered_order(quantity=4, customer=customer)
    assert open_receivables(customer) == D("452.00")
    case = open_case(order, desk["service"], quantity=1)
    services.case_approve(case=case, user=desk["aftersales"])
    services.case_receive(case=case, user=desk["aftersales"], intact=True, accessories_complete=True)
    case = services.case_refund(case=case, user=desk["aftersales"])
    assert case.refund_amount == D("0.00")
    assert "先冲减欠款" in case.refund_computation
    assert open_receivables(customer) == D("339.00"), "refunds and returns are reflected in receivables"


def test_failed_inspection_goes_back_with_a_reason_and_the_goods_to_quarantine(desk):
    order = delivered_order(quantity=4)
    before = available(order)
    case = open_case(order, desk["service"], quantity=2)
    services.case_approve(case=case, user=desk["aftersales"])
    case = services.case_receive(case=case, user=desk["aftersales"], intact=False, accessories_complete=True,
                                 note="外壳有人为摔痕")
    assert case.status == CaseStatus.PENDING
    event = case.events.order_by("-id").first()
    assert event.action == "fail_inspection" and "人为摔痕" in event.note and "完好：否" in event.note
    quarantine = StockBatch.objects.get(warehouse__is_quarantine=True)
    assert quarantine.quantity_remaining == 2
    assert available(order) == before, "quarantined goods are not available"
    case = services.case_reject(case=case, user=desk["aftersales"], reason="人为损坏，不符合退货条件")
    order.refresh_from_db()
    assert case.status == CaseStatus.REJECTED and order.status == OrderStatus.DELIVERED


def test_exchange_creates_a_free_priority_order_that_ships_like_any_other(desk):
    customer = CustomerFactory(credit_limit=D("1.00"))  # at its limit: an exchange skips the credit check
    order = delivered_order(quantity=4, customer=customer)
    case = open_case(order, desk["service"], service=Service.EXCHANGE, quantity=1, case_type="wrong_item")
    services.case_approve(case=case, user=desk["aftersales"])
    services.case_receive(case=case, user=desk["aftersales"], intact=True, accessories_complete=True)
    case = services.case_start_exchange(case=case, user=desk["aftersales"])
    replacement = case.replacement_order
    assert case.status == CaseStatus.EXCHANGING
    assert replacement.replaces_order == order and replacement.total == D("0.00")
    assert replacement.priority_score >= 2000
    # Automatic review: no charge, no credit check → approved and allocated by the system.
    order_services.order_auto_review(order=replacement, user=None)
    replacement.refresh_from_db()
    assert replacement.status == OrderStatus.ALLOCATED
    assert replacement.checks.get(name="credit").result == "pass"

    with pytest.raises(InvalidTransition):
        services.case_finish_exchange(case=case, user=desk["aftersales"])
    order_services.order_ship(order=replacement, user=None)
    case = services.case_finish_exchange(case=case, user=desk["aftersales"])
    case = services.case_close(case=case, user=desk["aftersales"])
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_repair_end_to_end(desk):
    order = delivered_order(quantity=1)
    case = open_case(order, desk["service"], service=Service.REPAIR, quantity=1)
    services.case_approve(case=case, user=desk["aftersales"])
    before = available(order)
    case = services.case_receive(case=case, user=desk["aftersales"], intact=True, accessories_complete=True)
    assert available(order) == before, "goods in for repair are not stock"
    with pytest.raises(InvalidInput):
        services.case_finish_repair(case=case, user=desk["aftersales"], note="")
    case = services.case_finish_repair(case=case, user=desk["aftersales"], note="更换电机，测试正常")
    assert case.status == CaseStatus.RESOLVED and case.resolution_note == "更换电机，测试正常"
    services.case_close(case=case, user=desk["aftersales"])


def test_missing_items_need_nothing_sent_back(desk):
    order = delivered_order(quantity=3)
    case = open_case(order, desk["service"], service=Service.EXCHANGE, quantity=1, case_type="missing_items")
    case = services.case_approve(case=case, user=desk["aftersales"])
    assert case.status == CaseStatus.INSPECTED


def test_the_order_leaves_after_sales_only_when_its_last_case_ends(desk):
    order = delivered_order(quantity=4)
    order = order_services.order_complete(order=order, user=None)
    first = open_case(order, desk["service"], quantity=1)
    second = open_case(order, desk["service"], quantity=1)
    services.case_reject(case=first, user=desk["aftersales"], reason="已过保修")
    order.refresh_from_db()
    assert order.status == OrderStatus.AFTER_SALES
    services.case_reject(case=second, user=desk["aftersales"], reason="重复申请")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_quantities_cannot_exceed_what_was_delivered_across_cases(desk):
    order = delivered_order(quantity=2)
    open_case(order, desk["service"], quantity=2)
    with pytest.raises(InvalidInput) as error:
        open_case(order, desk["service"], quantity=1)
    assert "最多可申请 0 件" in str(error.value)


def test_roles(desk):
    order = delivered_order(quantity=2)
    with pytest.raises(ActionForbidden):
        open_case(order, user_with_role(roles.WAREHOUSE))
    case = open_case(order, desk["service"])
    with pytest.raises(ActionForbidden):
        services.case_approve(case=case, user=desk["service"])


def test_customer_requests_only_within_the_support_window():
    order = delivered_order(quantity=2)
    line = order.lines.get()
    from orders.models import Order

    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - timedelta(days=31))
    with pytest.raises(InvalidInput) as error:
        services.case_open(order=order, user=None, service=Service.RETURN_REFUND, case_type="quality",
                           description="坏了", lines=[services.CaseLineInput(line, 1)], by_customer=True)
    assert "已超过售后服务期" in str(error.value)
    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - timedelta(days=29))
    case = services.case_open(order=order, user=None, service=Service.RETURN_REFUND, case_type="quality",
                              description="坏了", lines=[services.CaseLineInput(line, 1)], by_customer=True)
    assert case.opened_by_customer and case.events.get().actor_name == "客户"
