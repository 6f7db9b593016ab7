"""The batch path decides exactly what the one-by-one path decides, order for order.

Hypothesis draws small worlds — customers with credit limits, payment terms, tax details
and overdue debts; products in stock or made to order, with several batches (one in a
quarantine warehouse), floor prices and level discounts — and a batch of orders on them:
repeated line sets (duplicates), manual prices below the floor, amounts over the
manual-review threshold, 加急, special invoices, addresses too short. The same world is
then run twice, rolled back in between:

- one by one: each order entered with ``order_create``, then each reviewed with
  ``order_auto_review`` in queue order (what a worker does with single review tasks);
- as a batch: ``order_create_many``, then ``orders_review_batch`` (chunks of a drawn size).

Both must leave the same statuses, review checks, allocations (which batch, how much),
purchase requests, timeline, customer notices and batch counters, and announce the same
domain events in the same order to a listener. A second property does the same for the
allocation of waiting orders after a receipt (``orders_allocate_waiting`` against
``order_try_allocate`` order after order).
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import Address, Contact, Customer
from fulfillment.models import NotificationMessage
from inventory.models import Product, PurchaseRequest, StockBatch, StockType, Warehouse
from inventory.services import stock_receive
from ordermgmt import policies
from ordermgmt.domain_events import Phase, subscribe, unsubscribe
from ordermgmt.models import PolicyValue
from orders.domain_events import OrderApproved, OrderCreated, OrderStatusChanged, TimelineEventRecorded
from orders.models import LevelDiscount, Order
from orders.services import (
    LineInput,
    NewOrder,
    OrderDetails,
    order_approve,
    order_auto_review,
    order_create,
    order_create_many,
    order_try_allocate,
    orders_allocate_waiting,
    orders_review_batch,
)
from orders.services.batches import QUEUE_ORDER

pytestmark = pytest.mark.django_db

PLACED_AT = timezone.now().replace(microsecond=0)

customer_specs = st.fixed_dictionaries({
    "level": st.sampled_from(["normal", "important", "vip"]),
    "credit_limit": st.sampled_from([Decimal("300.00"), Decimal("5000.00"), Decimal("1000000.00")]),
    "payment_terms_days": st.sampled_from([0, 30]),
    "tax_number": st.booleans(),
    "overdue_debt": st.sampled_from([None, Decimal("120.00"), Decimal("999.00")]),
})
product_specs = st.fixed_dictionaries({
    "custom": st.sampled_from([False, False, False, True]),
    "list_price": st.sampled_from([Decimal("9.90"), Decimal("35.00"), Decimal("480.00")]),
    "floor": st.booleans(),
    # (quantity, days ago, in quarantine)
    "batches": st.lists(st.tuples(st.integers(0, 12), st.integers(0, 60), st.booleans()), max_size=3),
})
line_specs = st.tuples(st.integers(0, 3), st.integers(1, 6), st.sampled_from([None, None, "floor", "small_cut"]))
order_specs = st.fixed_dictionaries({
    "customer": st.integers(0, 2),
    "lines": st.lists(line_specs, min_size=1, max_size=3, unique_by=lambda line: line[0]),
    "urgent": st.booleans(),
    "invoice": st.sampled_from(["none", "none", "normal"]),
    "short_address": st.integers(0, 9).map(lambda n: n == 0),
})
worlds = st.fixed_dictionaries({
    "customers": st.lists(customer_specs, min_size=3, max_size=3),
    "products": st.lists(product_specs, min_size=4, max_size=4),
    "orders": st.lists(order_specs, min_size=1, max_size=8),
    "threshold": st.sampled_from([None, "2000"]),
    "level_discount": st.booleans(),
    "chunk_size": st.sampled_from([1, 2, 3, 250]),
})


class World:
    """The master data of one example, made with the real services where they exist."""

    def __init__(self, spec):
        self.spec = spec
        sellable = Warehouse.objects.create(code="WH-EQ", name="主仓")
        quarantine = Warehouse.objects.create(code="WH-QC", name="隔离仓", is_quarantine=True)
        self.products = []
        for index, p in enumerate(spec["products"]):
            product = Product.objects.create(
                sku=f"EQ{index}", name=f"商品{index}", list_price=p["list_price"],
                floor_price=p["list_price"] - Decimal("1.00") if p["floor"] else None,
                stock_type=StockType.CUSTOM if p["custom"] else StockType.STOCK,
            )
            for quantity, days, in_quarantine in p["batches"]:
                if quantity:
                    stock_receive(product=product, warehouse=quarantine if in_quarantine else sellable, quantity=quantity,
                                  received_at=PLACED_AT - timedelta(days=days, minutes=index), notify=False)
            self.products.append(product)
        self.customers = []
        for index, c in enumerate(spec["customers"]):
            customer = Customer.objects.create(
                code=f"EQC{index}", name=f"等价客户{index}有限公司", level=c["level"], credit_limit=c["credit_limit"],
                payment_terms_days=c["payment_terms_days"], tax_number="91350100M000100Y43" if c["tax_number"] else "",
            )
            Contact.objects.create(customer=customer, name="张三", phone="13812345678", email="z@example.com", is_primary=True)
            Address.objects.create(customer=customer, province="上海市", city="上海市", detail="张江路100号", is_default=True)
            if c["overdue_debt"]:
                self._overdue_order(customer, index, c["overdue_debt"])
            self.customers.append(customer)
        if spec["threshold"]:
            PolicyValue.objects.create(key=policies.MANUAL_REVIEW_THRESHOLD.key, value=spec["threshold"])
        if spec["level_discount"]:
            LevelDiscount.objects.create(level="vip", percent_of_list=Decimal("90"), valid_from=date(2020, 1, 1))

    def _overdue_order(self, customer, index, amount):
        """A shipped, unpaid order of long ago (written directly: history, not under test)."""
        Order.objects.create(
            number=f"OLD{index:05d}", customer=customer, status="delivered", contact_name="张三",
            contact_phone="13812345678", ship_province="上海市", ship_city="上海市", ship_address="张江路100号",
            total=amount, subtotal=amount, delivered_at=PLACED_AT - timedelta(days=90),
            created_at=PLACED_AT - timedelta(days=95),
        )

    def entries(self) -> list[NewOrder]:
        entries = []
        for o in self.spec["orders"]:
            lines = []
            for product_index, quantity, price in o["lines"]:
                product = self.products[product_index]
                unit_price = {None: None, "floor": product.list_price - Decimal("5.00"),
                              "small_cut": product.list_price - Decimal("0.10")}[price]
                lines.append(LineInput(product=product, quantity=quantity, unit_price=unit_price,
                                       override_reason="客户议价" if unit_price is not None else ""))
            customer = self.customers[o["customer"]]
            details = OrderDetails(
                customer=customer, contact_name="张三", contact_phone="13812345678", ship_province="上海市",
                ship_city="上海市", ship_address="路1号" if o["short_address"] else "张江路100号",
                priority="urgent" if o["urgent"] else "normal", invoice_type=o["invoice"],
                invoice_title=customer.name if o["invoice"] != "none" else "",
            )
            entries.append(NewOrder(details=details, lines=lines))
        return entries


class Announcements:
    """An in-transaction listener of every order event, recording what it was told."""

    def __init__(self):
        self.heard = []

    def __call__(self, event):
        if isinstance(event, TimelineEventRecorded):
            entry = event.timeline_event
            self.heard.append((event.name, entry.order.number, entry.kind, entry.action, entry.to_status))
        elif isinstance(event, OrderStatusChanged):
            self.heard.append((event.name, event.order.number, event.from_status, event.to_status, event.action))
        else:
            self.heard.append((event.name, event.order.number, event.order.status))


@pytest.fixture
def listener():
    recorder = Announcements()

    def hear_order_event(event):
        recorder(event)

    for event_type in (OrderCreated, TimelineEventRecorded, OrderStatusChanged, OrderApproved):
        subscribe(event_type, phase=Phase.IN_TRANSACTION)(hear_order_event)
    yield recorder
    for event_type in (OrderCreated, TimelineEventRecorded, OrderStatusChanged, OrderApproved):
        unsubscribe(event_type, hear_order_event)


_TOKEN = re.compile(r"/track/s/[^/\s]+/")
_REQUEST_NUMBER = re.compile(r"CG\d+")


def without_ids(data: dict) -> dict:
    """Purchase request numbers are primary keys, which PostgreSQL does not roll back."""
    if "purchase_requests" in data:
        data = {**data, "purchase_requests": len(data["purchase_requests"])}
    return data


def outcome(heard) -> dict:
    """Everything the two paths must agree on, keyed by order number."""
    orders = {}
    for order in Order.objects.exclude(number__startswith="OLD").order_by("number").prefetch_related(
        "checks", "lines__allocations__batch", "purchase_requests__product"
    ):
        orders[order.number] = {
            "status": order.status,
            "blockers": order.review_blockers,
            "awaiting_manager": order.awaiting_manager,
            "manual_review": order.needs_manual_review,
            "total": order.total,
            "priority_score": order.priority_score,
            "checks": sorted((c.name, c.result, c.message, c.figures, c.needs_override) for c in order.checks.all()),
            "timeline": [(e.kind, e.action, e.from_status, e.to_status, e.actor_name,
                          _REQUEST_NUMBER.sub("CG…", e.reason), without_ids(e.data))
                         for e in order.events.order_by("created_at", "id")],
            "allocations": sorted((line.line_no, a.batch.batch_no, a.quantity, a.state)
                                  for line in order.lines.all() for a in line.allocations.all()),
            "purchase_requests": sorted((r.product.sku, r.quantity, r.state, r.is_urgent, r.note)
                                        for r in order.purchase_requests.all()),
            "notices": [(m.key, m.channel, m.recipient, m.status, m.subject, _TOKEN.sub("/track/s/…/", m.body))
                        for m in NotificationMessage.objects.filter(order=order).order_by("event__created_at", "event_id",
                                                                                           "channel")],
        }
    batches = dict(StockBatch.objects.values_list("batch_no", "quantity_allocated"))
    return {"orders": orders, "batches": batches, "heard": list(heard)}


def assert_same(batch: dict, one_by_one: dict) -> None:
    """Order for order, field for field, so that a difference names itself."""
    assert batch["orders"].keys() == one_by_one["orders"].keys()
    for number, expected in one_by_one["orders"].items():
        for key, value in expected.items():
            assert batch["orders"][number][key] == value, f"order {number}, {key}"
    assert batch["batches"] == one_by_one["batches"]
    assert batch["heard"] == one_by_one["heard"]


def run_in_rollback(step):
    """Run ``step`` and return what it left, then undo it."""
    with transaction.atomic():
        result = step()
        transaction.set_rollback(True)
    return result


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(spec=worlds)
def test_a_batch_is_reviewed_and_allocated_exactly_as_its_orders_one_by_one(spec, listener):
    def one_by_one():
        world = World(spec)
        listener.heard.clear()
        for entry in world.entries():
            order_create(user=None, details=entry.details, lines=entry.lines, placed_at=PLACED_AT, auto_review=False)
        for order in Order.objects.filter(status="pending_review").exclude(number__startswith="OLD").order_by(*QUEUE_ORDER):
            order_auto_review(order=order, user=None)
        return outcome(listener.heard)

    def as_a_batch():
        world = World(spec)
        listener.heard.clear()
        created = order_create_many(user=None, orders=world.entries(), placed_at=PLACED_AT, auto_review=False)
        orders_review_batch(order_ids=[order.pk for order in created], chunk_size=spec["chunk_size"])
        return outcome(listener.heard)

    assert_same(run_in_rollback(as_a_batch), run_in_rollback(one_by_one))


waiting_worlds = st.fixed_dictionaries({
    "quantities": st.lists(st.lists(st.tuples(st.integers(0, 2), st.integers(1, 8)), min_size=1, max_size=3,
                                    unique_by=lambda line: line[0]), min_size=1, max_size=8),
    "urgent": st.lists(st.booleans(), min_size=8, max_size=8),
    "receipts": st.lists(st.tuples(st.integers(0, 2), st.integers(1, 15)), min_size=1, max_size=3),
    "chunk_size": st.sampled_from([1, 2, 250]),
})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(spec=waiting_worlds)
def test_orders_waiting_for_a_receipt_are_allocated_as_one_by_one(spec, listener):
    def world():
        warehouse = Warehouse.objects.create(code="WH-W", name="主仓")
        products = [Product.objects.create(sku=f"W{i}", name=f"等货商品{i}", list_price=Decimal("10.00")) for i in range(3)]
        customer = Customer.objects.create(code="WC", name="等货客户", credit_limit=Decimal("1000000"))
        for index, lines in enumerate(spec["quantities"]):
            order = order_create(
                # In the past, a minute apart: a placing time still ahead of the clock sorts the
                # order's 创建 entry after its 审核 entry in one run and before it in the other.
                user=None, placed_at=PLACED_AT - timedelta(hours=1) + timedelta(minutes=index), auto_review=False,
                details=OrderDetails(customer=customer, contact_name="李四", contact_phone="13912345678",
                                     ship_province="上海市", ship_city="上海市", ship_address="张江路100号",
                                     priority="urgent" if spec["urgent"][index] else "normal"),
                lines=[LineInput(product=products[p], quantity=q) for p, q in lines],
            )
            order_approve(order=order, user=None)  # nothing in stock: 已审核, purchase requests raised
        for product_index, quantity in spec["receipts"]:
            stock_receive(product=products[product_index], warehouse=warehouse, quantity=quantity, notify=False)
        listener.heard.clear()
        return products

    def one_by_one():
        world()
        for order in Order.objects.filter(status="approved", order_type="stock").order_by(*QUEUE_ORDER):
            order_try_allocate(order=order, user=None, reason="到货后自动分配")
        return outcome(listener.heard)

    def as_a_batch():
        products = world()
        orders_allocate_waiting(product_ids=[p.pk for p in products], chunk_size=spec["chunk_size"])
        return outcome(listener.heard)

    assert_same(run_in_rollback(as_a_batch), run_in_rollback(one_by_one))
    assert PurchaseRequest.objects.count() == 0  # rolled back
