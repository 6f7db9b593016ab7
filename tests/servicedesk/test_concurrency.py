"""Two clerks, two workers or two 主管 at once (PostgreSQL): complaint numbers stay unique,
a goodwill refund is paid once, a stage flag is raised once."""

from decimal import Decimal

import pytest

from ordermgmt import roles
from orders import services as order_services
from orders.models import Refund
from servicedesk import services
from servicedesk.models import GoodwillStatus, StageFlag
from tests.concurrency import run_together
from tests.factories import UserFactory, delivered_order, make_order
from tests.servicedesk.conftest import complaint_input

pytestmark = pytest.mark.django_db(transaction=True)


def test_complaint_numbers_are_unique_when_clerks_enter_them_at_once(on_postgres, reference_data):
    clerk = UserFactory(username="kefu-c", roles=[roles.SERVICE])
    order = make_order()
    numbers, errors = run_together(10, lambda i: [
        services.complaint_open(user=clerk, data=complaint_input(order=order)).number for _ in range(3)])
    assert errors == []
    flat = [n for batch in numbers for n in batch]
    assert len(set(flat)) == 30 and sorted(int(n[-4:]) for n in flat) == list(range(1, 31))


def test_two_managers_approving_one_goodwill_refund_pay_it_once(on_postgres, reference_data):
    clerk = UserFactory(username="kefu-g", roles=[roles.SERVICE])
    managers = [UserFactory(username=f"boss-{i}", roles=[roles.MANAGER]) for i in range(2)]
    order = delivered_order(quantity=4, price="100.00")
    order_services.payment_record(order=order, user=None, amount=order.balance_due)
    complaint = services.complaint_open(user=clerk, data=complaint_input(order=order))
    services.complaint_start(complaint=complaint, user=clerk)
    goodwill = services.goodwill_request(complaint=complaint, user=clerk, amount=Decimal("300.00"), reason="补偿")
    results, errors = run_together(2, lambda i: services.goodwill_approve(goodwill=goodwill, user=managers[i]))
    assert (len(results), len(errors)) == (1, 1), errors
    assert "已退款" in str(errors[0])
    assert Refund.objects.filter(source="goodwill").count() == 1
    goodwill.refresh_from_db()
    assert goodwill.status == GoodwillStatus.PAID


def test_two_sweeps_at_once_raise_one_flag_per_order_and_stage(on_postgres, reference_data):
    import time_machine
    from django.utils import timezone

    order = make_order(lines=None)
    order.refresh_from_db()
    later = timezone.now() + timezone.timedelta(days=10)
    with time_machine.travel(later, tick=False):
        results, errors = run_together(4, lambda i: services.stage_flags_refresh())
    assert errors == []
    assert StageFlag.objects.filter(order=order, cleared_at__isnull=True).count() == 1
    assert sum(raised for raised, _cleared in results) == 1
