"""The receivables ageing page: per customer and per owner, filters, Excel export."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from ordermgmt import roles
from orders.models import Order
from tests.factories import CustomerFactory, delivered_order, user_with_role

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def overdue_and_current():
    owner = user_with_role(roles.SALES, "wang")
    late = CustomerFactory(name="逾期客户有限公司", payment_terms_days=30, owner=owner)
    fine = CustomerFactory(name="按时客户有限公司", payment_terms_days=30)
    with time_machine.travel(NOW, tick=False):
        for customer, days in [(late, 75), (fine, 5)]:
            order = delivered_order(customer=customer, quantity=1, price="100.00")
            Order.objects.filter(pk=order.pk).update(delivered_at=NOW - timedelta(days=days))
    return late, fine


def test_ageing_page_lists_customers_by_bucket_and_owner_and_filters_the_overdue(client, overdue_and_current):
    late, fine = overdue_and_current
    client.force_login(user_with_role(roles.FINANCE))
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("finance:ageing")).content.decode()
        overdue_only = client.get(reverse("finance:ageing") + "?overdue_only=on").content.decode()
        export = client.get(reverse("finance:ageing") + "?format=xlsx")
    assert late.name in page and fine.name in page and 'data-testid="ageing-total">¥226.00' in page
    assert late.name in overdue_only and fine.name not in overdue_only
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    headers = [cell.value for cell in sheet[1]]
    assert rows[late.name][headers.index("逾期31–60天")] == 113  # 75 days since delivery − 30 days' terms
    assert rows[late.name][headers.index("负责销售")] == late.owner.get_full_name() or late.owner.username
    assert rows[fine.name][headers.index("未到期")] == 113


def test_a_salesperson_sees_the_ageing_of_their_own_customers_only(client, overdue_and_current):
    late, fine = overdue_and_current
    client.force_login(late.owner)
    fine.owner = user_with_role(roles.SALES, "li")
    fine.save()
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("finance:ageing")).content.decode()
    assert late.name in page and fine.name not in page
