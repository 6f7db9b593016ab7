import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from customers.models import Customer
from finance.demo_reconciliation import SAMPLE_STATEMENT
from finance.models import LineStatus, SettlementAccount
from finance.services.reconciliation import bank_statement_import
from fulfillment.models import Carrier, NotificationMessage, ProductionOrder, Shipment, ShipmentException
from integrations.models import ApiClient, PaymentProvider
from inventory.models import Product, StockBatch
from ordermgmt import roles
from ordermgmt.demo import DEMO_USERS
from orders.models import Order, OrderEvent, OrderStatus
from reports.models import Report
from servicedesk.models import Channel, Complaint, ComplaintCategory, ComplaintStatus, StageFlag, StaffNotification


@pytest.mark.django_db
def test_seed_demo_covers_every_state_and_is_idempotent():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    counts = (Order.objects.count(), Customer.objects.count(), Product.objects.count(), StockBatch.objects.count())
    # 200 orders in every state, and the Guangdong order of the warehouse-rule demo (issue 19);
    # 50 products and the drinking water sold by the bottle, the case and the pallet.
    assert counts[0] == 201 and counts[1] == 20 and counts[2] == 51
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    users = get_user_model().objects.filter(username__in=[u for u, _, _ in DEMO_USERS])
    assert {g for u in users for g in u.groups.values_list("name", flat=True)} == set(roles.ALL_ROLES)
    oldest = Order.objects.order_by("created_at").first()
    assert (Order.objects.order_by("-created_at").first().created_at - oldest.created_at).days >= 150
    shipments = Shipment.objects.count()
    completed = Order.objects.filter(status=OrderStatus.COMPLETED).first()
    assert completed.events.filter(kind=OrderEvent.Kind.STATUS).count() >= 6

    _demo_orders_on_their_way_have_carriers_shipments_and_events()
    _a_guangdong_order_is_served_from_guangzhou_and_water_is_sold_by_the_case_with_lots_near_expiry()
    _every_overdue_ageing_bucket_has_a_customer_and_no_demo_payment_was_deleted()
    _the_sample_bank_statement_imports_with_most_payments_matched()
    desk = _the_service_desk_has_complaints_flags_and_a_bell_for_every_role()

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (Order.objects.count(), Customer.objects.count(), Product.objects.count(), StockBatch.objects.count()) == counts
    assert (Carrier.objects.count(), Shipment.objects.count()) == (3, shipments)
    assert (Complaint.objects.count(), StaffNotification.objects.count(), Report.objects.count()) == desk
    assert list(ApiClient.objects.values_list("channel_code", flat=True)) == ["demo-shop"]
    assert list(PaymentProvider.objects.values_list("code", flat=True)) == ["demo-pay"]


def _every_overdue_ageing_bucket_has_a_customer_and_no_demo_payment_was_deleted():
    from finance.demo_statements import NEVER_RECEIVED
    from orders.models import Payment
    from orders.receivables import AGEING_BUCKETS, receivables_ageing

    rows = receivables_ageing().values()
    for bucket in AGEING_BUCKETS:
        assert any(row.buckets[bucket.key] > 0 for row in rows), bucket.label
    # An order the demo leaves unpaid keeps its payment, reversed with the reason, and says so on its timeline.
    for payment in Payment.objects.filter(reversal_reason=NEVER_RECEIVED):
        assert payment.order.events.filter(action="payment_reversed").exists()
        assert payment.order.events.filter(action="payment").exists()


def _the_service_desk_has_complaints_flags_and_a_bell_for_every_role():
    assert set(Complaint.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(Complaint.objects.values_list("status", flat=True)) == set(ComplaintStatus.values)
    assert Complaint.objects.filter(escalated_at__isnull=False).exists()
    for complaint in Complaint.objects.all():
        assert complaint.number[2:10] == f"{timezone.localtime(complaint.created_at):%Y%m%d}", "numbered when received"
    assert Complaint.objects.filter(product__isnull=False).exists(), "the analysis by product has rows"
    assert ComplaintCategory.objects.exclude(improvement="").count() >= 3, "the analysis shows 改进措施"
    assert StageFlag.objects.filter(cleared_at__isnull=True).values("stage").distinct().count() >= 5
    for username, _name, _role in DEMO_USERS:
        assert StaffNotification.objects.filter(recipient__username=username).exists(), username
    assert Report.objects.filter(state="done").count() == 1
    return Complaint.objects.count(), StaffNotification.objects.count(), Report.objects.count()


def _demo_orders_on_their_way_have_carriers_shipments_and_events():
    shipped_states = [OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.COMPLETED]
    for order in Order.objects.filter(status__in=shipped_states).prefetch_related("shipments__events"):
        shipments = list(order.shipments.all())
        assert shipments and all(s.tracking_number and s.carrier_id for s in shipments), order
        if order.status != OrderStatus.SHIPPED:
            assert all({"in_transit"} <= {e.kind for e in s.events.all()} for s in shipments), order
        ship_event = order.events.filter(action__in=["ship", "ship_partial"]).order_by("created_at").first()
        assert min(s.shipped_at for s in shipments) == ship_event.created_at, "logistics follow the timeline"
    assert not NotificationMessage.objects.exists(), "historical demo orders notify nobody"
    assert ShipmentException.objects.filter(status="open").exists(), "the exception desk has work"
    assert ProductionOrder.objects.filter(order__status=OrderStatus.IN_PRODUCTION).count() >= 6


def _a_guangdong_order_is_served_from_guangzhou_and_water_is_sold_by_the_case_with_lots_near_expiry():
    from inventory.models import StockAllocation
    from inventory.selectors import near_expiry_batches

    order = Order.objects.get(ship_province="广东省", notes__contains="发货仓规则")
    assert order.status == OrderStatus.ALLOCATED
    assert order.warehouse_note == "收货地址广东省 → 广州分仓（规则：华南）"
    assert {a.batch.warehouse.code for a in StockAllocation.objects.filter(order_line__order=order)} == {"WH-GZ"}
    line = order.lines.get()
    assert (line.ordered_quantity, line.ordered_unit, line.quantity) == (10, "箱", 240)
    water = line.product
    assert water.tracks_expiry and list(water.units.values_list("name", flat=True)) == ["箱", "托"]
    soon = near_expiry_batches(today=timezone.localdate(), within_days=30)
    assert {b.expiry_date < timezone.localdate() for b in soon} == {True, False}, "one expired, one near expiry"


def _the_sample_bank_statement_imports_with_most_payments_matched():
    """Done-when of issue 20: the finance user imports the sample statement shipped with the demo
    and sees most payments matched (its lines are dated in the open month: the demo closes the
    last one, and a line dated in a closed month waits for a clerk)."""
    account = SettlementAccount.objects.filter(kind=SettlementAccount.Kind.BANK).order_by("pk").first()
    with default_storage.open(SAMPLE_STATEMENT) as handle:
        statement = bank_statement_import(account=account, user=get_user_model().objects.get(username="finance"),
                                          file_name="示例银行对账单.xlsx", data=handle.read())
    statuses = list(statement.lines.values_list("status", flat=True))
    matched = sum(1 for status in statuses if status == LineStatus.MATCHED)
    assert not statement.problems and len(statuses) >= 10
    assert matched * 3 >= len(statuses) * 2, statuses

