import re
import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection

from orders.numbering import next_order_number
from tests.factories import make_order


@pytest.mark.django_db
def test_order_number_is_date_and_daily_serial():
    first, second = make_order(), make_order()
    assert re.fullmatch(r"\d{8}0001", first.number)
    assert int(second.number) == int(first.number) + 1
    assert next_order_number(date(2026, 1, 2)) == "202601020001"
    assert next_order_number(date(2026, 1, 2)) == "202601020002"
    assert next_order_number(date(2026, 1, 3)) == "202601030001"


@pytest.mark.django_db(transaction=True)
def test_order_numbers_are_unique_under_concurrent_creation(on_postgres):
    """Twenty threads, each with its own database connection, create orders at once."""
    from tests.factories import CustomerFactory, ProductFactory

    customer, product = CustomerFactory(), ProductFactory()
    numbers, errors = [], []
    barrier = threading.Barrier(20)

    def create():
        try:
            barrier.wait()
            for _ in range(5):
                numbers.append(make_order(customer=customer, lines=[(product, 1, "1.00")]).number)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(numbers) == 100 and len(set(numbers)) == 100
    serials = sorted(int(n[-4:]) for n in numbers)
    assert serials == list(range(1, 101))
