"""Replenishment proposals on a fake clock: the reorder point suggested from the last 8 weeks
of shipments × the supplier's lead time + safety stock, projected stock counting what is
allocated and on order, and the 主管's accept / edit / dismiss."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import PurchaseRequest
from inventory.services import stock_consume_order, stock_receive
from inventory.services.transfers import transfer_ship
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput
from orders import services as order_services
from orders.models import OrderStatus
from purchasing.models import ProposalState, ReplenishmentProposal, ReplenishmentRule
from purchasing.services import (
    proposal_accept, proposal_dismiss, proposal_update, replenishment_propose, replenishment_rule_set,
)
from tests.factories import ProductFactory, WarehouseFactory, make_order, user_with_role

from .factories import approved_supplier, place_order

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)


def allocated_order(product, quantity):
    order = order_services.order_approve(order=make_order(lines=[(product, quantity, "10.00")]), user=None)
    assert order.status == OrderStatus.ALLOCATED
    return order


@pytest.fixture
def shop():
    """Product P sold from warehouse A: 100 received and 56 shipped 30 days ago (1 a day over
    8 weeks), 30 more allocated today; bought from a supplier with a 10-day lead time."""
    product, warehouse = ProductFactory(sku="P100"), WarehouseFactory(code="WH-A", name="上海仓")
    with time_machine.travel(TODAY - timedelta(days=30), tick=False):
        stock_receive(product=product, warehouse=warehouse, quantity=100)
        stock_consume_order(order=allocated_order(product, 56))
    with time_machine.travel(TODAY, tick=False):
        allocated_order(product, 30)
    supplier = approved_supplier(products=[product], lead_time_days=10)
    rule = ReplenishmentRule.objects.create(product=product, warehouse=warehouse, safety_stock=5, reorder_quantity=50)
    return product, warehouse, supplier, rule


def test_projected_stock_below_the_suggested_reorder_point_makes_a_purchase_proposal(shop):
    product, warehouse, _, _ = shop
    with time_machine.travel(TODAY, tick=False):
        (proposal,) = replenishment_propose()
    # on hand 44 − allocated 30 = 14 < 1/day × 10 days + 5 safety = 15
    assert (proposal.kind, proposal.projected_stock, proposal.reorder_point, proposal.quantity) == ("purchase", 14, 15, 50)
    assert (proposal.average_daily_demand, proposal.lead_time_days) == (1, 10)
    assert (proposal.product, proposal.warehouse) == (product, warehouse)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        replenishment_propose()  # run again: the same open proposal, not a second one
    assert ReplenishmentProposal.objects.filter(state=ProposalState.OPEN).count() == 1


def test_shipments_older_than_eight_weeks_no_longer_count_as_demand(shop):
    with time_machine.travel(TODAY + timedelta(days=25), tick=False):
        (proposal,) = replenishment_propose()
        assert proposal.reorder_point == 15  # the shipment 55 days ago still counts
    with time_machine.travel(TODAY + timedelta(days=27), tick=False):
        # 57 days ago: demand 0, reorder point = safety stock 5 < projected 14: closed again.
        assert replenishment_propose() == []
    assert ReplenishmentProposal.objects.get().state == ProposalState.DISMISSED


def test_goods_on_order_count_in_projected_stock(shop):
    product, warehouse, supplier, _ = shop
    with time_machine.travel(TODAY, tick=False):
        place_order(supplier, [(product, 20, "10.00")], warehouse=warehouse)
        assert replenishment_propose() == []


def test_a_min_max_rule_fills_up_to_the_maximum(shop):
    product, warehouse, _, rule = shop
    rule.reorder_point, rule.max_stock = 20, 120
    rule.save()
    with time_machine.travel(TODAY, tick=False):
        (proposal,) = replenishment_propose()
    assert (proposal.reorder_point, proposal.quantity) == (20, 120 - 14)


def test_accepting_raises_a_purchase_request_counted_as_on_order_from_then_on(shop):
    product, _, _, _ = shop
    manager = user_with_role(roles.MANAGER)
    with time_machine.travel(TODAY, tick=False):
        (proposal,) = replenishment_propose()
        with pytest.raises(ActionForbidden):
            proposal_accept(proposal=proposal, user=user_with_role(roles.WAREHOUSE))
        proposal_update(proposal=proposal, user=manager, quantity=60)
        accepted = proposal_accept(proposal=proposal, user=manager)
    request = accepted.purchase_request
    assert (request.product, request.quantity, request.state, request.order) == (product, 60, "open", None)
    assert "低于再订货点 15" in request.note
    with pytest.raises(InvalidInput, match="已已采纳|已采纳"):
        proposal_dismiss(proposal=accepted, user=manager)
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        assert replenishment_propose() == []
    assert PurchaseRequest.objects.filter(order=None).count() == 1


def test_a_dismissed_proposal_is_not_made_again_the_same_day_but_is_the_next(shop):
    manager = user_with_role(roles.MANAGER)
    with time_machine.travel(TODAY, tick=False):
        (proposal,) = replenishment_propose()
        proposal_dismiss(proposal=proposal, user=manager, reason="月底统一采购")
        assert replenishment_propose() == []
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        (again,) = replenishment_propose()
    assert again.pk != proposal.pk and again.state == ProposalState.OPEN


def test_a_warehouse_with_excess_is_proposed_as_a_transfer_counted_in_transit_once_accepted(shop):
    product, warehouse, _, _ = shop
    guangzhou = WarehouseFactory(code="WH-B", name="广州仓")
    manager = user_with_role(roles.MANAGER)
    with time_machine.travel(TODAY, tick=False):
        stock_receive(product=product, warehouse=guangzhou, quantity=200)
        (proposal,) = replenishment_propose()
        assert (proposal.kind, proposal.source_warehouse, proposal.quantity) == ("transfer", guangzhou, 50)
        accepted = proposal_accept(proposal=proposal, user=manager)
    transfer = accepted.transfer
    assert (transfer.status, transfer.source, transfer.destination) == ("draft", guangzhou, warehouse)
    assert [(line.product, line.quantity) for line in transfer.lines.all()] == [(product, 50)]
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        assert replenishment_propose() == []  # the draft transfer counts for the destination
        transfer_ship(transfer=transfer, user=manager)
        assert replenishment_propose() == []  # shipped: in transit


def test_a_warehouse_that_cannot_spare_the_whole_quantity_leaves_a_purchase(shop):
    product, _, _, _ = shop
    guangzhou = WarehouseFactory(code="WH-B", name="广州仓")
    with time_machine.travel(TODAY, tick=False):
        stock_receive(product=product, warehouse=guangzhou, quantity=40)
        (proposal,) = replenishment_propose()
    assert (proposal.kind, proposal.source_warehouse) == ("purchase", None)
    manager = user_with_role(roles.MANAGER)
    with pytest.raises(InvalidInput, match="另一个调出仓库"):
        proposal_update(proposal=proposal, user=manager, quantity=10, kind="transfer")
    edited = proposal_update(proposal=proposal, user=manager, quantity=30, kind="transfer", source_warehouse=guangzhou)
    assert (edited.kind, edited.source_warehouse, edited.quantity) == ("transfer", guangzhou, 30)


def test_the_daily_job_reads_stock_and_warehouses_once_however_many_products_need_a_transfer(shop):
    """Projected stock (batches, on order, in transit) and the source warehouses are read once
    per run, not once more for the proposals nor once per product that can be transferred."""
    guangzhou = WarehouseFactory(code="WH-B", name="广州仓")
    products = [shop[0]] + [ProductFactory(sku=f"P10{n}") for n in range(1, 4)]
    with time_machine.travel(TODAY, tick=False):
        for product in products:
            stock_receive(product=product, warehouse=guangzhou, quantity=200)
            ReplenishmentRule.objects.get_or_create(product=product, warehouse=shop[1],
                                                    defaults={"safety_stock": 5, "reorder_quantity": 50})
        with CaptureQueriesContext(connection) as queries:
            proposals = replenishment_propose()
    assert [(p.kind, p.source_warehouse) for p in proposals] == [("transfer", guangzhou)] * 4
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert sum('FROM "inventory_stockbatch"' in sql for sql in reads) == 1
    assert sum('FROM "inventory_warehouse"' in sql for sql in reads) == 1


def test_only_a_manager_keeps_the_rules_and_a_rule_needs_a_quantity():
    product, warehouse = ProductFactory(), WarehouseFactory(code="WH-R")
    with pytest.raises(ActionForbidden):
        replenishment_rule_set(user=user_with_role(roles.WAREHOUSE), product=product, warehouse=warehouse,
                               safety_stock=1, reorder_point=5, reorder_quantity=10, max_stock=None)
    manager = user_with_role(roles.MANAGER)
    with pytest.raises(InvalidInput, match="再订货量"):
        replenishment_rule_set(user=manager, product=product, warehouse=warehouse, safety_stock=1, reorder_point=5,
                               reorder_quantity=0, max_stock=None)
    rule = replenishment_rule_set(user=manager, product=product, warehouse=warehouse, safety_stock=1,
                                  reorder_point=None, reorder_quantity=10, max_stock=None)
    assert rule.reorder_point is None
