"""A 销售专员 sees the complaints of the customers they may see (their own and unassigned ones)
and of the orders they own; another salesperson's complaint answers as a missing one."""

import pytest

from ordermgmt import roles
from servicedesk.services import complaint_open
from tests.factories import CustomerFactory, make_order, user_with_role

from .conftest import complaint_input

pytestmark = pytest.mark.django_db


def test_another_salespersons_complaint_is_not_listed_and_answers_404(client, staff):
    owner = staff["sales"]
    customer = CustomerFactory(owner=owner, name="华兴科技有限公司")
    complaint = complaint_open(user=staff["service"], data=complaint_input(customer=customer,
                                                                           order=make_order(customer=customer)))
    client.force_login(user_with_role(roles.SALES, "sales2"))
    assert client.get(f"/servicedesk/complaints/{complaint.number}/").status_code == 404
    assert client.get("/servicedesk/complaints/TS209901010001/").status_code == 404
    assert complaint.number not in client.get("/servicedesk/complaints/?view=all").content.decode()
    client.force_login(owner)
    assert client.get(f"/servicedesk/complaints/{complaint.number}/").status_code == 200
    assert complaint.number in client.get("/servicedesk/complaints/?view=all").content.decode()
