import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from customers.models import Customer
from inventory.models import Product, StockBatch
from ordermgmt import roles
from ordermgmt.demo import DEMO_USERS
from orders.models import Order, OrderEvent, OrderStatus


@pytest.mark.django_db
def test_seed_demo_covers_every_state_and_is_idempotent():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    counts = (Order.objects.count(), Customer.objects.count(), Product.objects.count(), StockBatch.objects.count())
    assert counts[0] == 200 and counts[1] == 20 and counts[2] == 50
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    users = get_user_model().objects.filter(username__in=[u for u, _, _ in DEMO_USERS])
    assert {g for u in users for g in u.groups.values_list("name", flat=True)} == set(roles.ALL_ROLES)
    oldest = Order.objects.order_by("created_at").first()
    assert (Order.objects.order_by("-created_at").first().created_at - oldest.created_at).days >= 150
    completed = Order.objects.filter(status=OrderStatus.COMPLETED).first()
    assert completed.events.filter(kind=OrderEvent.Kind.STATUS).count() >= 6

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (Order.objects.count(), Customer.objects.count(), Product.objects.count(), StockBatch.objects.count()) == counts
