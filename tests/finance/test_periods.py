"""A closed month refuses every change dated in it; a reversing entry dated in an open month is
accepted."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone

from finance import services
from finance.models import ClosedPeriod, InvoiceStatus
from ordermgmt.errors import ActionForbidden, InvalidInput
from ordermgmt.periods import PeriodClosed, assert_period_open
from orders import services as order_services
from orders.models import Payment, Refund
from tests.finance.conftest import shipped_order

pytestmark = pytest.mark.django_db


def last_month_day():
    return timezone.localdate().replace(day=1) - timedelta(days=10)


def close_last_month(manager):
    return services.period_close(month=last_month_day(), user=manager)


def test_a_payment_dated_in_a_closed_month_is_refused_and_one_dated_today_accepted(people):
    order = shipped_order()
    close_last_month(people["manager"])
    back_then = timezone.make_aware(timezone.datetime.combine(last_month_day(), timezone.datetime.min.time()))
    with pytest.raises(PeriodClosed, match="已结账"):
        order_services.payment_record(order=order, user=None, amount=D("10.00"), paid_at=back_then + timedelta(hours=10))
    assert not Payment.objects.exists()
    order_services.payment_record(order=order, user=None, amount=D("10.00"))
    assert Payment.objects.count() == 1


def test_a_refund_while_the_clock_is_in_a_closed_month_is_refused(people):
    order = shipped_order()
    order_services.payment_record(order=order, user=None, amount=D("10.00"))
    close_last_month(people["manager"])
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(last_month_day(), timezone.datetime.min.time()))
                             + timedelta(hours=12), tick=False):
        with pytest.raises(PeriodClosed):
            order_services.refund_record(order=order, user=None, amount=D("10.00"), reason="多收", source="after_sales")
    assert not Refund.objects.exists()


def test_an_invoice_cannot_be_issued_or_reversed_in_a_closed_month_but_reversed_in_an_open_one(people):
    clerk, day = people["finance"], last_month_day()
    order = shipped_order()
    invoice = services.invoice_draft(orders=[order], user=clerk, invoice_type="normal")
    invoice = services.invoice_issue(invoice=invoice, user=clerk, number="11112222", code="3100243130", issued_on=day)
    close_last_month(people["manager"])

    other = services.invoice_draft(orders=[shipped_order()], user=clerk, invoice_type="normal")
    with pytest.raises(PeriodClosed, match="不能开票"):
        services.invoice_issue(invoice=other, user=clerk, number="11112223", code="3100243130", issued_on=day)
    with pytest.raises(PeriodClosed, match="不能红冲发票"):
        services.invoice_reverse(invoice=invoice, user=clerk, reason="开错", number="11112224", code="3100243130",
                                 issued_on=day)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED

    red = services.invoice_reverse(invoice=invoice, user=clerk, reason="开错", number="11112224", code="3100243130",
                                   issued_on=timezone.localdate())
    invoice.refresh_from_db()
    assert (invoice.status, red.issued_on) == (InvoiceStatus.REVERSED, timezone.localdate())


def test_only_a_manager_closes_a_month_that_is_over_and_once(people):
    with pytest.raises(ActionForbidden):
        services.period_close(month=last_month_day(), user=people["finance"])
    with pytest.raises(InvalidInput, match="还没有结束"):
        services.period_close(month=timezone.localdate(), user=people["manager"])
    period = close_last_month(people["manager"])
    assert period.month == last_month_day().replace(day=1)
    with pytest.raises(InvalidInput, match="已经结账"):
        close_last_month(people["manager"])
    assert ClosedPeriod.objects.count() == 1


def test_without_closed_months_every_date_is_open(people):
    assert_period_open(on=last_month_day(), what="收款")
