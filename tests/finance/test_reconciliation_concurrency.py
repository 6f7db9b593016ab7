"""Two clerks matching the same bank statement line at once (PostgreSQL): the line is
locked, so its money is booked once."""

from decimal import Decimal

import pytest
from django.utils import timezone

from finance.models import LineStatus, SettlementAccount, StatementLine
from finance.services.reconciliation import bank_statement_import, line_match
from ordermgmt import roles
from ordermgmt.errors import BusinessError
from orders.models import Payment
from tests.concurrency import run_together
from tests.factories import UserFactory, delivered_order
from tests.finance.conftest import icbc_workbook

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_clerks_matching_one_line_to_different_orders_book_it_once(on_postgres, reference_data):
    clerks = [UserFactory(username=f"caiwu-{i}", roles=[roles.FINANCE]) for i in range(2)]
    bank = SettlementAccount.objects.create(name="工行", kind=SettlementAccount.Kind.BANK)
    orders = [delivered_order(quantity=2), delivered_order(quantity=2)]  # ¥226 each
    data = icbc_workbook([(timezone.localdate().isoformat(), "不认识的人", "", "226.00", "货款")])
    (line,) = bank_statement_import(account=bank, user=clerks[0], file_name="x.xlsx", data=data).lines.all()
    assert line.status == LineStatus.UNMATCHED
    results, errors = run_together(2, lambda i: line_match(line=line, user=clerks[i],
                                                           orders=[(orders[i], Decimal("226.00"))]))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], BusinessError)
    line = StatementLine.objects.get(pk=line.pk)
    assert (line.status, line.matched_amount) == (LineStatus.MATCHED, Decimal("226.00"))
    assert Payment.objects.filter(order__in=orders).count() == 1
