"""Service levels in working days, overdue cases surfacing by themselves, and ratings."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aftersales import services
from aftersales.models import Feedback, Service
from aftersales.selectors import case_queue
from ordermgmt import roles
from ordermgmt.errors import InvalidInput
from ordermgmt.models import CalendarDay
from tests.factories import calendar_day, delivered_order, user_with_role

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)


def open_case(order, service=Service.RETURN_REFUND):
    return services.case_open(order=order, user=None, service=service, case_type="quality", description="坏了",
                              lines=[services.CaseLineInput(order.lines.get(), 1)], by_customer=True)


def test_due_dates_count_working_days_across_a_weekend_and_a_holiday():
    order = delivered_order()
    # Friday 4 December 2026. A holiday on Tuesday 8 December (kept in the database).
    calendar_day(date(2026, 12, 8), CalendarDay.Kind.HOLIDAY, "测试假日")
    with time_machine.travel(datetime(2026, 12, 4, 15, tzinfo=TZ), tick=False):
        ret = open_case(order)
        exchange = open_case(order, Service.EXCHANGE)
    # 7 working days from Fri 4 Dec: Mon 7, (Tue 8 off), 9, 10, 11, Mon 14, 15, 16.
    assert timezone.localtime(ret.due_at).date() == date(2026, 12, 16)
    # 3 working days: Mon 7, Wed 9, Thu 10.
    assert timezone.localtime(exchange.due_at).date() == date(2026, 12, 10)


def test_overdue_cases_are_flagged_by_the_beat_task_and_listed_first():
    order = delivered_order(quantity=4)
    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=TZ), tick=False):
        early = open_case(order, Service.EXCHANGE)
    with time_machine.travel(datetime(2026, 12, 3, 10, tzinfo=TZ), tick=False):
        later = open_case(order)
    with time_machine.travel(datetime(2026, 12, 8, 10, tzinfo=TZ), tick=False):
        from aftersales.tasks import flag_overdue_cases

        assert flag_overdue_cases.delay().get() == 1
        assert flag_overdue_cases.delay().get() == 0, "flagged once"
        queue = list(case_queue(visible_to=user_with_role(roles.AFTER_SALES)))
        assert queue[0] == early and early in list(services.AfterSalesCase.objects.filter(overdue_since__isnull=False))
        assert later in queue
    early.refresh_from_db()
    assert early.events.filter(action="overdue").exists()
    assert order.events.filter(action="after_sales_overdue").exists()


def test_the_case_queue_on_the_home_page_puts_overdue_first(client):
    order = delivered_order(quantity=4)
    fresh = open_case(order)
    with time_machine.travel(datetime(2025, 1, 2, 10, tzinfo=TZ), tick=False):
        old = open_case(order)
    services.cases_flag_overdue()
    client.force_login(user_with_role(roles.AFTER_SALES))
    cases = client.get(reverse("portal:home")).context["cases"]
    assert cases[:2] == [old, fresh]


def test_feedback_once_only_and_needs_improvement_reaches_the_owner(client):
    sales = user_with_role(roles.SALES)
    order = delivered_order(owner=sales)
    services.feedback_submit(order=order, rating=Feedback.Rating.NEEDS_IMPROVEMENT, comment="送货太慢")
    with pytest.raises(InvalidInput) as error:
        services.feedback_submit(order=order, rating=Feedback.Rating.SATISFIED)
    assert "已经评价过" in str(error.value)
    client.force_login(sales)
    home = client.get(reverse("portal:home")).context
    assert [f.order for f in home["feedback_to_follow_up"]] == [order]
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "需改进" in page and "送货太慢" in page
    feedback = Feedback.objects.get(order=order)
    client.post(reverse("aftersales:feedback_follow_up", args=[feedback.pk]), {"note": "已致电道歉并说明原因"})
    assert 'data-testid="feedback-queue"' not in client.get(reverse("portal:home")).content.decode(), "nothing left to follow up"
    customer_page = client.get(reverse("customers:detail", args=[order.customer_id])).content.decode()
    assert "需改进" in customer_page


def test_feedback_only_after_delivery():
    from tests.factories import make_order

    with pytest.raises(InvalidInput):
        services.feedback_submit(order=make_order(), rating=Feedback.Rating.SATISFIED)
