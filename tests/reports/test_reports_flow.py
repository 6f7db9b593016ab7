"""Stored reports, the monthly schedule, e-mail, export, dashboard and the list page."""

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ordermgmt import roles
from ordermgmt.errors import ActionForbidden
from reports.models import Report
from reports.services import monthly_report_run, report_request
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, user_with_role

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def readers():
    return [
        UserFactory(username="boss", email="boss@example.com", roles=[roles.MANAGER]),
        UserFactory(username="ana", email="ana@example.com", roles=[roles.ANALYST]),
        UserFactory(username="clerk", email="clerk@example.com", roles=[roles.SALES]),
    ]


def test_beat_runs_at_eight_on_the_first_of_each_month_shanghai_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["monthly-order-report"]
    assert entry["task"] == "reports.tasks.send_monthly_report"
    schedule = entry["schedule"]
    assert (schedule.minute, schedule.hour, schedule.day_of_month) == ({0}, {8}, {1})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_scheduled_job_with_a_fake_clock_mails_each_reader_once_and_a_rerun_replaces(readers):
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=TZ), tick=False):
        make_order()
    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=TZ), tick=False):
        from reports.tasks import send_monthly_report

        send_monthly_report.delay()
        report = Report.objects.get()
        assert (report.period_start, report.period_end, report.is_monthly) == (date(2026, 10, 1), date(2026, 10, 31), True)
        assert report.data["headline"]["orders"] == 1
        assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "boss@example.com"]
        message = mail.outbox[0]
        assert "2026年10月" in message.subject and "订单量：1" in message.body
        assert message.attachments[0][0].endswith(".xlsx")

        make_order()  # late data: the re-run replaces the figures, never duplicates or re-mails
    with time_machine.travel(datetime(2026, 11, 1, 9, tzinfo=TZ), tick=False):
        monthly_report_run(today=date(2026, 11, 1))
    assert Report.objects.count() == 1 and len(mail.outbox) == 2


def test_on_demand_report_runs_as_a_task_with_progress_and_exports_every_table(client, readers):
    make_order()
    client.force_login(readers[1])
    response = client.post(reverse("reports:list"), {"month": timezone.localdate().strftime("%Y-%m")})
    report = Report.objects.get()
    assert response.url == reverse("reports:detail", args=[report.pk])
    assert client.get(reverse("reports:progress", args=[report.pk])).json() == {"state": "queued", "progress": 0, "error": ""}
    # Eager Celery in tests: run the queued task now.
    from reports.tasks import build_report

    build_report.delay(report.pk)
    assert client.get(reverse("reports:progress", args=[report.pk])).json()["state"] == "done"
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert page.count("<svg") == 5 and "月度订单量" in page
    workbook = load_workbook(io.BytesIO(client.get(reverse("reports:export", args=[report.pk])).content))
    assert {"概览", "同比环比", "履约时效", "异常", "缺货商品TOP10", "按渠道", "按客户等级", "按销售负责人", "按商品",
            "月度趋势"} <= set(workbook.sheetnames)


def test_only_managers_and_analysts_see_reports(client):
    client.force_login(user_with_role(roles.SALES))
    assert client.get(reverse("reports:list")).status_code == 403
    with pytest.raises(ActionForbidden):
        report_request(user=user_with_role(roles.WAREHOUSE), start=date(2026, 1, 1), end=date(2026, 1, 31))


def test_a_range_must_make_sense():
    from ordermgmt.errors import InvalidInput

    with pytest.raises(InvalidInput):
        report_request(user=None, start=date(2026, 2, 1), end=date(2026, 1, 1))
    with pytest.raises(InvalidInput):
        report_request(user=None, start=date(2020, 1, 1), end=date(2026, 1, 1))


def test_dashboard_for_managers(client):
    make_order(priority="urgent")
    product = ProductFactory(safety_stock=10)
    client.force_login(user_with_role(roles.MANAGER))
    page = client.get(reverse("portal:home"))
    board = page.context["dashboard"]
    assert board["intake"]["orders"] == 1 and board["intake"]["urgent"] == 1
    assert {q["status"]: q["count"] for q in board["queues"]}["pending_review"] == 1
    assert product in board["low_stock"]
    client.force_login(user_with_role(roles.SALES))
    assert "dashboard" not in client.get(reverse("portal:home")).context


def test_order_list_query_count_does_not_grow_with_page_size(client, settings):
    customer, product = CustomerFactory(), ProductFactory()
    for _ in range(60):
        make_order(customer=customer, lines=[(product, 1, None)])
    client.force_login(user_with_role(roles.ANALYST))
    client.get(reverse("orders:list"))  # warm caches (content types, permissions)
    counts = {}
    for page_size in (5, 50):
        settings.ORDER_LIST_PAGE_SIZE = page_size
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("orders:list"), {"status": "pending_review"})
        assert len(response.context["page"].object_list) == page_size
        counts[page_size] = len(queries)
    assert counts[5] == counts[50], counts
