"""The monthly report's complaints section (page, e-mail and Excel), goodwill refunds net of
the revenue, the dashboard's counts of orders past their stage's threshold, and the staff
notification that a report is ready."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ordermgmt import roles
from orders import services as order_services
from reports.models import Report
from reports.services import monthly_report_run
from servicedesk import services as desk
from servicedesk.models import StageFlag, StaffNotification
from tests.factories import UserFactory, delivered_order
from tests.servicedesk.conftest import category, complaint_input

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def people():
    return {
        "manager": UserFactory(username="boss", email="boss@example.com", roles=[roles.MANAGER]),
        "analyst": UserFactory(username="ana", email="ana@example.com", roles=[roles.ANALYST]),
        "service": UserFactory(username="kefu", roles=[roles.SERVICE]),
    }


def test_the_monthly_report_has_a_complaints_section_in_the_page_the_email_and_the_workbook(client, people):
    with time_machine.travel(datetime(2026, 10, 13, 10, tzinfo=TZ), tick=False):
        order = delivered_order()
        order_services.payment_record(order=order, user=None, amount=order.balance_due)
        complaint = desk.complaint_open(user=people["service"], data=complaint_input(order=order))
        desk.complaint_start(complaint=complaint, user=people["service"])
        desk.goodwill_request(complaint=complaint, user=people["service"], amount=Decimal("20.00"), reason="延误补偿")
        desk.complaint_open(user=people["service"], data=complaint_input(
            order=order, channel="email", category=category("商品质量")))
    desk.category_improvement_update(user=people["manager"], category=category("物流延误"), improvement="换承运商")
    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=TZ), tick=False):
        report = monthly_report_run(today=date(2026, 11, 1))
    complaints = report.data["complaints"]
    assert complaints["total"] == 2 and [c["label"] for c in complaints["by_category"]] == ["物流延误", "商品质量"]
    # ¥452 order (4 × ¥100 + 13 % VAT) less the ¥20 goodwill refund.
    assert report.data["headline"]["revenue"] == "432.00"
    assert "投诉：2 件" in mail.outbox[0].body

    client.force_login(people["analyst"])
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'data-testid="report-complaints"' in page and "换承运商" in page
    workbook = load_workbook(io.BytesIO(client.get(reverse("reports:export", args=[report.pk])).content))
    assert {"投诉概览", "投诉原因与改进", "投诉分布", "投诉趋势"} <= set(workbook.sheetnames)
    causes = list(workbook["投诉原因与改进"].iter_rows(values_only=True))
    assert causes[1][:2] == ("物流延误", 1) and causes[1][3] == "换承运商"
    overview = dict(workbook["投诉概览"].iter_rows(min_row=2, values_only=True))
    assert overview["投诉量"] == 2

    told = {n.recipient for n in StaffNotification.objects.filter(kind="report_ready")}
    assert told == {people["manager"], people["analyst"]}


def test_a_report_stored_before_complaints_existed_still_shows(client, people):
    report = Report.objects.create(period_start=date(2026, 9, 1), period_end=date(2026, 9, 30), is_monthly=True,
                                   state=Report.State.DONE, data={})
    monthly = monthly_report_run(today=date(2026, 10, 1))
    monthly.data.pop("complaints")
    Report.objects.filter(pk=report.pk).update(data=monthly.data)
    client.force_login(people["analyst"])
    page = client.get(reverse("reports:detail", args=[report.pk]))
    assert page.status_code == 200 and 'data-testid="report-complaints"' not in page.content.decode()
    assert client.get(reverse("reports:export", args=[report.pk])).status_code == 200


def test_the_dashboard_counts_orders_past_their_threshold_per_stage(client, people):
    order = delivered_order()
    StageFlag.objects.create(order=order, stage=order.status, since=timezone.now(), detail="已交付超过 7 个工作日")
    client.force_login(people["manager"])
    page = client.get("/").content.decode()
    assert 'data-testid="flagged-orders">1<' in page
    assert 'href="/servicedesk/monitoring/?stage=delivered">1</a>' in page
