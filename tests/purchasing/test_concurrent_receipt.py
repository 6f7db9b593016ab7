"""Two clerks receiving the same purchase order line at once, on PostgreSQL: the row locks
make the second see the first's receipt, so the line is never over-received."""

import pytest
from django.db.models import Sum

from inventory.models import StockBatch
from ordermgmt.errors import InvalidInput
from purchasing.models import PurchaseOrderLine, PurchaseReceipt
from purchasing.services import purchase_order_receive_line
from tests.factories import ProductFactory
from tests.inventory.test_concurrency import run_concurrently

from .factories import approved_supplier, place_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_clerks_receiving_the_same_line_at_once_never_over_receive(on_postgres, reference_data):
    product = ProductFactory()
    line = place_order(approved_supplier(), [(product, 10, "3.00")]).lines.get()

    def receive_seven():
        try:
            purchase_order_receive_line(line=PurchaseOrderLine.objects.get(pk=line.pk), user=None, accepted=7)
        except InvalidInput as refused:
            refusals.append(str(refused))

    refusals: list[str] = []
    for _round in range(3):
        errors = run_concurrently([receive_seven, receive_seven])
        assert errors == []
    line.refresh_from_db()
    assert line.quantity_accepted == 7
    assert PurchaseReceipt.objects.count() == 1
    assert StockBatch.objects.filter(product=product).aggregate(n=Sum("quantity_received"))["n"] == 7
    assert len(refusals) == 5 and all("还差 3 件到货" in refusal for refusal in refusals)
