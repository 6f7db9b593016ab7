import uuid
from itertools import count

import pytest

from fulfillment import services as ff
from fulfillment.notifications.sms import LocmemSmsBackend
from ordermgmt import roles
from orders import services as order_services
from orders.models import OrderStatus
from tests.factories import CarrierFactory, ProductFactory, make_order, receive, user_with_role

_tracking = count(1)


@pytest.fixture(autouse=True)
def _isolated_rate_limits_and_sms(settings):
    # Rate-limit counters live in the shared cache (Redis in CI): give each test its own.
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"
    settings.SMS_BACKEND = "fulfillment.notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []


@pytest.fixture
def staff(db):
    return {
        "sales": user_with_role(roles.SALES),
        "reviewer": user_with_role(roles.REVIEWER),
        "warehouse": user_with_role(roles.WAREHOUSE),
        "production": user_with_role(roles.PRODUCTION),
        "logistics": user_with_role(roles.LOGISTICS),
        "service": user_with_role(roles.SERVICE),
        "manager": user_with_role(roles.MANAGER),
        "analyst": user_with_role(roles.ANALYST),
    }


@pytest.fixture
def carrier(db):
    carrier = CarrierFactory(name="顺丰速运", code="sf", default_transit_days=3)
    carrier.transit_times.create(province="上海市", transit_days=1)
    return carrier


def next_tracking_number() -> str:
    return f"SF{next(_tracking):010d}"


def allocated_order(staff, *, lines=((2, 10),), **overrides):
    """An approved, allocated 现货 order; ``lines`` = ((quantity, stock), ...)."""
    products = []
    spec = []
    for quantity, stock in lines:
        product = ProductFactory()
        receive(product, stock)
        products.append(product)
        spec.append((product, quantity, "100.00"))
    order = make_order(user=staff["sales"], lines=spec, **overrides)
    order.refresh_from_db()
    if order.status == OrderStatus.PENDING_REVIEW:  # not yet approved by the automatic review
        order_services.order_approve(order=order, user=staff["reviewer"])
        order.refresh_from_db()
    if order.status == OrderStatus.APPROVED:  # approval allocates at once when stock suffices
        order_services.order_allocate(order=order, user=staff["warehouse"])
        order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED, order.status
    return order


def ship_all(order, staff, carrier, *, quantities=None, tracking_number=None):
    """Pick list → picked → packed → shipped; returns the shipment."""
    pick_list = ff.pick_list_create(order=order, user=staff["warehouse"], quantities=quantities)
    ff.pick_list_mark_picked(pick_list=pick_list, user=staff["warehouse"])
    ff.pick_list_mark_packed(pick_list=pick_list, user=staff["warehouse"], package_count=1)
    return ff.pick_list_ship(
        pick_list=pick_list, user=staff["warehouse"], carrier=carrier,
        tracking_number=tracking_number or next_tracking_number(),
    )
