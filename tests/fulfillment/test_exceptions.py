"""Late and silent shipments are flagged by the beat task; 物流专员 resolve them; the customer is told."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from fulfillment import services as ff
from fulfillment import tasks
from fulfillment.models import (
    EventKind,
    ExceptionKind,
    NotificationMessage,
    PickListStatus,
    Resolution,
    ShipmentException,
    ShipmentStatus,
)
from inventory.models import StockAllocation, StockBatch
from ordermgmt.errors import InsufficientStock, InvalidInput, InvalidTransition
from orders.models import OrderStatus
from tests.fulfillment.conftest import allocated_order, next_tracking_number, ship_all

pytestmark = pytest.mark.django_db


def _at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def shipped(staff, carrier):
    """A shipment to 上海 (1 day), shipped now, with one 揽收 event."""
    shipment = ship_all(allocated_order(staff, lines=((2, 10),)), staff, carrier)
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.PICKED_UP, occurred_at=timezone.now())
    shipment.refresh_from_db()
    return shipment


def test_shipment_past_its_expected_date_is_flagged_delayed_the_day_after(shipped):
    expected = shipped.expected_delivery_date
    with time_machine.travel(_at(expected, 23), tick=False):
        assert [f for f in ff.shipment_exceptions_detect() if f.kind == ExceptionKind.DELAYED] == []
    with time_machine.travel(_at(expected + timedelta(days=1), 0), tick=False):
        flags = ff.shipment_exceptions_detect()
    assert [f.kind for f in flags] == [ExceptionKind.DELAYED]
    assert f"预计 {expected:%Y-%m-%d} 送达，已超期 1 天" in flags[0].reason
    note = shipped.order.events.get(action="shipment_exception")
    assert note.actor_name == "系统" and "延误" in note.reason and shipped.tracking_number in note.reason


def test_shipment_with_no_event_for_three_days_is_suspected_lost(shipped, settings):
    settings.FULFILLMENT_LOSS_AFTER_DAYS = 3
    last = shipped.last_event_at
    with time_machine.travel(last + timedelta(days=2, hours=23), tick=False):
        assert not [f for f in ff.shipment_exceptions_detect() if f.kind == ExceptionKind.SUSPECTED_LOSS]
    with time_machine.travel(last + timedelta(days=3, minutes=1), tick=False):
        flags = [f for f in ff.shipment_exceptions_detect() if f.kind == ExceptionKind.SUSPECTED_LOSS]
    assert len(flags) == 1
    assert "已 3 天没有物流更新" in flags[0].reason and "已揽收" in flags[0].reason


def test_detection_is_idempotent_and_runs_as_a_task(shipped):
    later = shipped.last_event_at + timedelta(days=10)
    with time_machine.travel(later, tick=False):
        assert tasks.detect_shipment_exceptions.delay().get() == 2  # 延误 and 疑似丢件
        assert tasks.detect_shipment_exceptions.delay().get() == 0
    assert ShipmentException.objects.filter(shipment=shipped).count() == 2
    assert shipped.order.events.filter(action="shipment_exception").count() == 2


def test_delivered_shipments_are_never_flagged(shipped):
    ff.shipment_event_record(shipment=shipped, user=None, kind=EventKind.DELIVERED, occurred_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert ff.shipment_exceptions_detect() == []


def test_new_logistics_news_clears_a_suspected_loss(shipped):
    with time_machine.travel(shipped.last_event_at + timedelta(days=4), tick=False):
        (flag,) = [f for f in ff.shipment_exceptions_detect() if f.kind == ExceptionKind.SUSPECTED_LOSS]
        ff.shipment_event_record(shipment=shipped, user=None, kind=EventKind.IN_TRANSIT,
                                 occurred_at=timezone.now(), place="杭州转运中心")
    flag.refresh_from_db()
    assert (flag.status, flag.resolution) == ("resolved", Resolution.RECOVERED)
    assert shipped.order.events.filter(action="exception_resolved", reason__contains="疑似丢件已解除").exists()


def test_carrier_reported_exception_opens_a_flag(shipped):
    ff.shipment_event_record(shipment=shipped, user=None, kind=EventKind.EXCEPTION, occurred_at=timezone.now(),
                             place="上海", note="收件地址不详")
    flag = ShipmentException.objects.get(shipment=shipped)
    assert flag.kind == ExceptionKind.CARRIER and "收件地址不详" in flag.reason
    shipped.refresh_from_db()
    assert shipped.status == ShipmentStatus.EXCEPTION


def test_reship_reserves_the_goods_again_and_the_replacement_delivers_the_order(staff, carrier, shipped):
    product = shipped.order.lines.get().product
    with time_machine.travel(shipped.last_event_at + timedelta(days=5), tick=False):
        flags = ff.shipment_exceptions_detect()
    loss = next(f for f in flags if f.kind == ExceptionKind.SUSPECTED_LOSS)
    ff.shipment_exception_resolve(exception=loss, user=staff["logistics"], resolution=Resolution.RESHIP, note="承运商确认丢失")

    shipped.refresh_from_db()
    assert shipped.status == ShipmentStatus.REPLACED
    assert not ShipmentException.objects.filter(shipment=shipped, status="open").exists(), "all its flags are closed"
    loss.refresh_from_db()
    replacement_list = loss.replacement_pick_list
    assert replacement_list.replaces_shipment == shipped and replacement_list.total_quantity == 2
    batch = StockBatch.objects.get(product=product)
    assert (batch.quantity_remaining, batch.quantity_allocated) == (8, 2), "2 shipped, 2 more reserved"
    resolved = shipped.order.events.get(action="exception_resolved")
    assert "补发" in resolved.reason and replacement_list.number in resolved.reason

    ff.pick_list_mark_picked(pick_list=replacement_list, user=staff["warehouse"])
    ff.pick_list_mark_packed(pick_list=replacement_list, user=staff["warehouse"])
    replacement = ff.pick_list_ship(pick_list=replacement_list, user=staff["warehouse"], carrier=carrier,
                                    tracking_number=next_tracking_number())
    assert replacement.replaces == shipped
    batch.refresh_from_db()
    assert (batch.quantity_remaining, batch.quantity_allocated) == (6, 0)
    assert shipped.order.events.filter(action="reship_shipped").exists()
    ff.shipment_event_record(shipment=replacement, user=None, kind=EventKind.IN_TRANSIT, occurred_at=timezone.now())
    ff.shipment_event_record(shipment=replacement, user=None, kind=EventKind.DELIVERED, occurred_at=timezone.now())
    order = replacement.order
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_reship_without_stock_is_refused_and_nothing_changes(staff, shipped):
    StockBatch.objects.update(quantity_remaining=0)  # the rest of the batch was sold meanwhile
    with time_machine.travel(shipped.last_event_at + timedelta(days=5), tick=False):
        flag = next(f for f in ff.shipment_exceptions_detect() if f.kind == ExceptionKind.SUSPECTED_LOSS)
    with pytest.raises(InsufficientStock):
        ff.shipment_exception_resolve(exception=flag, user=staff["logistics"], resolution=Resolution.RESHIP)
    flag.refresh_from_db()
    shipped.refresh_from_db()
    assert flag.is_open and shipped.status != ShipmentStatus.REPLACED
    assert not StockAllocation.objects.filter(state="active").exists()


def test_compensation_records_the_amount_and_closes_a_lost_parcel(staff, shipped):
    with time_machine.travel(shipped.last_event_at + timedelta(days=5), tick=False):
        flags = {f.kind: f for f in ff.shipment_exceptions_detect()}
    with pytest.raises(InvalidInput):
        ff.shipment_exception_resolve(exception=flags[ExceptionKind.DELAYED], user=staff["logistics"],
                                      resolution=Resolution.COMPENSATION, compensation_amount=None)
    ff.shipment_exception_resolve(exception=flags[ExceptionKind.DELAYED], user=staff["logistics"],
                                  resolution=Resolution.COMPENSATION, compensation_amount="50")
    ff.shipment_exception_resolve(exception=flags[ExceptionKind.SUSPECTED_LOSS], user=staff["logistics"],
                                  resolution=Resolution.COMPENSATION, compensation_amount=Decimal("452.00"))
    delayed = ShipmentException.objects.get(kind=ExceptionKind.DELAYED)
    assert delayed.compensation_amount == Decimal("50.00") and delayed.resolved_by == staff["logistics"]
    shipped.refresh_from_db()
    assert shipped.status == ShipmentStatus.LOST
    assert shipped.order.events.filter(action="exception_resolved", reason__contains="赔偿 ¥452.00").exists()
    with pytest.raises(InvalidTransition):
        ff.shipment_exception_resolve(exception=delayed, user=staff["logistics"], resolution=Resolution.RESHIP)
    with time_machine.travel(timezone.now() + timedelta(days=20), tick=False):
        assert ff.shipment_exceptions_detect() == [], "a written-off parcel is no longer watched"


def test_customer_is_notified_of_the_exception_and_of_its_resolution(staff, shipped):
    with time_machine.travel(shipped.last_event_at + timedelta(days=5), tick=False):
        flags = {f.kind: f for f in ff.shipment_exceptions_detect()}
    ff.shipment_exception_resolve(exception=flags[ExceptionKind.DELAYED], user=staff["logistics"],
                                  resolution=Resolution.COMPENSATION, compensation_amount="30")
    keys = list(NotificationMessage.objects.filter(order=shipped.order, channel="sms")
                .order_by("id").values_list("key", flat=True))
    assert keys == ["order_approved", "order_shipped", "shipment_exception", "shipment_exception", "exception_resolved"]
    resolved = NotificationMessage.objects.get(key="exception_resolved", channel="sms")
    assert "赔偿 ¥30.00" in resolved.body


def test_flags_show_on_the_order_page_and_in_the_logistics_queue(client, staff, shipped):
    with time_machine.travel(shipped.last_event_at + timedelta(days=5), tick=False):
        ff.shipment_exceptions_detect()
    client.force_login(staff["logistics"])
    order_page = client.get(f"/orders/{shipped.order.number}/").content.decode()
    assert 'data-testid="order-flags"' in order_page and "疑似丢件" in order_page and "已超期" in order_page
    queue = client.get("/fulfillment/exceptions/").content.decode()
    assert shipped.tracking_number in queue and "没有物流更新" in queue
    flagged = client.get("/fulfillment/shipments/?view=flagged").content.decode()
    assert shipped.tracking_number in flagged


def test_replacement_pick_list_can_be_called_off(staff, shipped):
    with time_machine.travel(shipped.last_event_at + timedelta(days=5), tick=False):
        flag = next(f for f in ff.shipment_exceptions_detect() if f.kind == ExceptionKind.SUSPECTED_LOSS)
    flag = ff.shipment_exception_resolve(exception=flag, user=staff["logistics"], resolution=Resolution.RESHIP)
    ff.pick_list_cancel(pick_list=flag.replacement_pick_list, user=staff["warehouse"], reason="原包裹找到了")
    shipped.refresh_from_db()
    assert shipped.status == ShipmentStatus.PICKED_UP, "the original parcel is tracked again"
    assert flag.replacement_pick_list.__class__.objects.get(pk=flag.replacement_pick_list_id).status == PickListStatus.CANCELLED
    assert not StockAllocation.objects.filter(state="active").exists(), "the re-reserved goods are released"


def test_reship_is_refused_while_the_order_is_partly_in_the_warehouse(staff, carrier):
    order = allocated_order(staff, lines=((2, 10), (1, 10)))
    allocations = {a.order_line.line_no: a for a in StockAllocation.objects.filter(order_line__order=order)}
    shipment = ship_all(order, staff, carrier, quantities={allocations[1].pk: 2, allocations[2].pk: 0})
    with time_machine.travel(timezone.now() + timedelta(days=5), tick=False):
        flag = next(f for f in ff.shipment_exceptions_detect() if f.kind == ExceptionKind.SUSPECTED_LOSS)
    with pytest.raises(InvalidTransition):
        ff.shipment_exception_resolve(exception=flag, user=staff["logistics"], resolution=Resolution.RESHIP)
    shipment.refresh_from_db()
    assert shipment.status != ShipmentStatus.REPLACED and flag.__class__.objects.get(pk=flag.pk).is_open


def test_periodic_jobs_are_scheduled_and_can_be_run_once_by_hand(shipped, settings):
    from io import StringIO

    from django.core.management import call_command

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"fulfillment.tasks.detect_shipment_exceptions", "fulfillment.tasks.poll_carriers",
            "fulfillment.tasks.requeue_notifications"} <= scheduled
    out = StringIO()
    with time_machine.travel(shipped.last_event_at + timedelta(days=5), tick=False):
        call_command("fulfillment_tick", stdout=out)
    assert "新的物流异常：2" in out.getvalue()


def test_home_page_tells_logistics_about_open_exceptions(client, staff, shipped):
    client.force_login(staff["logistics"])
    assert 'data-testid="fulfillment-alerts"' not in client.get("/").content.decode()
    with time_machine.travel(shipped.last_event_at + timedelta(days=5), tick=False):
        ff.shipment_exceptions_detect()
    assert "2 个物流异常待处理" in client.get("/").content.decode()
    client.force_login(staff["sales"])
    assert 'data-testid="fulfillment-alerts"' not in client.get("/").content.decode()
