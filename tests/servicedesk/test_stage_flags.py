"""Orders past their stage's dwell-time threshold (working time) are flagged by the beat
sweep, one flag per order and stage, no longer counted once the order moves (and stamped
cleared by the next sweep); the order's people and
whoever works on the stage are told. The clock is faked across a weekend."""

from datetime import date

import pytest
import time_machine

from fulfillment import services as ff
from fulfillment.models import EventKind, ProductionOrder
from ordermgmt import policies
from orders import services as order_services
from orders.models import OrderStatus
from servicedesk import tasks
from servicedesk.models import StageFlag, StaffNotification
from servicedesk.selectors import flag_counts_by_stage, open_flag_of
from servicedesk.stages import RULES_BY_STAGE
from tests.factories import CarrierFactory, ProductFactory, make_order
from tests.fulfillment.conftest import allocated_order, ship_all
from tests.servicedesk.conftest import at

pytestmark = pytest.mark.django_db

FRIDAY_5PM = at(2026, 12, 4, 17)


def sweep(moment):
    with time_machine.travel(moment, tick=False):
        return tasks.refresh_stage_flags()


def test_an_allocated_order_is_flagged_one_working_day_later_across_the_weekend_and_cleared_when_shipped(staff):
    with time_machine.travel(FRIDAY_5PM, tick=False):
        order = allocated_order(staff)
    # 1 working day = 9 working hours: Friday 17–18, then Monday 09:00 + 8 h = Monday 17:00.
    assert sweep(at(2026, 12, 5, 12)) == (0, 0), "Saturday: the clock does not run"
    assert sweep(at(2026, 12, 7, 16, 59)) == (0, 0)
    assert sweep(at(2026, 12, 7, 17, 1)) == (1, 0)
    assert sweep(at(2026, 12, 7, 17, 6)) == (0, 0), "one flag per order and stage"
    flag = StageFlag.objects.get()
    assert (flag.order, flag.stage, flag.since, flag.cleared_at) == (order, OrderStatus.ALLOCATED, FRIDAY_5PM, None)
    assert flag.detail == "已分配未拣货出库：在“已分配”已超过 1 个工作日（自 12-04 17:00）"
    told = {n.recipient for n in StaffNotification.objects.filter(kind="stage_flag")}
    assert told == {staff["sales"], staff["warehouse"]}, "the owner and the warehouse, not every role"
    assert StaffNotification.objects.filter(kind="stage_flag", link=f"/orders/{order.number}/").count() == 2

    assert open_flag_of(order) == flag and flag_counts_by_stage() == {OrderStatus.ALLOCATED: 1}

    with time_machine.travel(at(2026, 12, 8, 10), tick=False):
        ship_all(order, staff, CarrierFactory(code="sf"))
    order.refresh_from_db()
    assert open_flag_of(order) is None and flag_counts_by_stage() == {}, "stops counting with the move"
    assert sweep(at(2026, 12, 8, 10, 5)) == (0, 1)
    flag.refresh_from_db()
    assert flag.cleared_at == at(2026, 12, 8, 10, 5), "stamped cleared by the next sweep"


def test_a_shipment_without_carrier_news_is_flagged_but_not_one_the_carrier_reported(staff):
    carrier = CarrierFactory(code="yt")
    with time_machine.travel(FRIDAY_5PM, tick=False):
        silent = allocated_order(staff)
        ship_all(silent, staff, carrier)
        reported = allocated_order(staff)
        shipment = ship_all(reported, staff, carrier)
    with time_machine.travel(at(2026, 12, 7, 9), tick=False):
        ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.PICKED_UP, occurred_at=at(2026, 12, 7, 9))
    sweep(at(2026, 12, 8, 9))
    assert list(StageFlag.objects.values_list("order", "stage")) == [(silent.pk, OrderStatus.SHIPPED)]
    assert StaffNotification.objects.filter(kind="stage_flag", recipient=staff["logistics"]).exists()


def test_pending_review_counts_working_hours_and_a_longer_threshold_clears_the_flag(staff):
    with time_machine.travel(at(2026, 12, 7, 15), tick=False):  # Monday 15:00
        order = make_order(user=staff["sales"], lines=[(ProductFactory(), 1, "60000.00")])  # needs a person
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW
    assert sweep(at(2026, 12, 8, 9, 59)) == (0, 0)  # 3 h Monday + 59 min Tuesday
    assert sweep(at(2026, 12, 8, 10, 1)) == (1, 0)
    assert StaffNotification.objects.filter(kind="stage_flag", recipient=staff["reviewer"]).exists()
    policies.policy_update(user=staff["manager"], definition=RULES_BY_STAGE[OrderStatus.PENDING_REVIEW].policy,
                           value="8", reason="审核员人手不足")
    assert sweep(at(2026, 12, 8, 10, 5)) == (0, 1), "no longer past the threshold"
    assert StageFlag.objects.get().cleared_at is not None


def test_production_behind_its_plan_is_flagged_by_the_plan_date(staff):
    custom = ProductFactory(stock_type="custom")
    order = make_order(user=staff["sales"], lines=[(custom, 2, "500.00")])
    order.refresh_from_db()
    if order.status == OrderStatus.PENDING_REVIEW:
        order_services.order_approve(order=order, user=staff["reviewer"])
    production = ProductionOrder.objects.get(order=order)
    ff.production_order_plan(production_order=production, user=staff["production"], owner=staff["production"],
                             planned_start=date(2026, 12, 1), planned_finish=date(2026, 12, 3))
    ff.production_order_start(production_order=production, user=staff["production"])
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PRODUCTION
    assert sweep(at(2026, 12, 3, 17)) == (0, 0)
    assert sweep(at(2026, 12, 4, 9)) == (1, 0)
    flag = StageFlag.objects.get()
    assert flag.stage == OrderStatus.IN_PRODUCTION and "计划 2026-12-03 完工" in flag.detail
    assert StaffNotification.objects.filter(kind="stage_flag", recipient=staff["production"]).exists()


def test_a_flag_left_behind_by_a_move_is_cleared_by_the_next_sweep(staff):
    with time_machine.travel(FRIDAY_5PM, tick=False):
        order = allocated_order(staff)
    sweep(at(2026, 12, 8, 9))
    StageFlag.objects.update(stage=OrderStatus.APPROVED)  # as if the move had happened without the listener
    assert sweep(at(2026, 12, 8, 9, 5)) == (1, 1)
    assert StageFlag.objects.filter(cleared_at__isnull=True).get().stage == OrderStatus.ALLOCATED
    assert order.stage_flags.count() == 2
