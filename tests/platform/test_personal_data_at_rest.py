"""What a database dump shows: after ``seed_demo`` (and notices queued for the demo orders),
no mainland mobile number and no demo street address stands in clear in any text column of
any table — the order receivers, contacts, addresses, proofs of delivery, the notification
outbox, timelines, import previews, search keys, event payloads alike. Masked numbers
(138****5678) are fine. Runs on SQLite in ``make test`` and on PostgreSQL in ``.ci/run``."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from customers.models import Address
from fulfillment.models import NotificationMessage, NotificationTemplate
from fulfillment.services.notifications import notifications_create_for_event
from orders.models import Order, OrderEvent

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


# A random token (upload names, event ids, keys): 16 or more hex characters, letters among them.
RANDOM_TOKEN = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{16,}(?![0-9A-Za-z])")


def clear_phone(value: str) -> str | None:
    """The first mainland mobile number standing in ``value``, if any (not inside a random token)."""
    match = MOBILE.search(RANDOM_TOKEN.sub(" ", value))
    return match.group() if match else None


def every_text_value():
    """(table, column, value) for every string stored in the database."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [column.name for column in connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row):
                    if isinstance(value, str):
                        yield table, column, value


def queue_notices_for_demo_orders() -> int:
    """The demo's historical orders notify nobody: queue a notice for a few of them, so that
    the outbox (recipients and bodies) is in the scan."""
    keys = set(NotificationTemplate.objects.filter(is_active=True).values_list("key", flat=True))
    queued = 0
    for event in OrderEvent.objects.filter(kind=OrderEvent.Kind.STATUS).order_by("id")[:10]:
        for key in sorted(keys)[:1]:
            queued += len(notifications_create_for_event(event=event, key=key))
    return queued


@pytest.mark.django_db
def test_a_database_dump_after_seed_demo_shows_no_phone_and_no_street_in_clear():
    call_command("seed_demo", stdout=io.StringIO())
    assert queue_notices_for_demo_orders() > 0
    assert NotificationMessage.objects.exclude(recipient="").exists()
    streets = {address.detail for address in Address.objects.all()}
    streets |= {order.ship_address for order in Order.objects.all() if len(order.ship_address) >= 5}
    assert len(streets) >= 20
    phones_in_clear = sorted({order.contact_phone for order in Order.objects.all()})
    assert any(MOBILE.fullmatch(phone) for phone in phones_in_clear), "the demo has mobile numbers to hide"

    leaks = []
    for table, column, value in every_text_value():
        if phone := clear_phone(value):
            leaks.append((table, column, "phone", phone))
        leaks.extend((table, column, "street", street) for street in streets if street in value)
    assert not leaks, leaks[:20]


def test_the_scan_finds_a_phone_in_text_but_not_in_a_random_token():
    """Stored upload names, event ids and keys are random hex (ordermgmt.uploads names files with
    ``secrets.token_hex``): eleven digits inside one are no phone number — CI once flagged the
    delivery-proof file ``…/8e19156513808c….jpg``. A number in text still counts."""
    assert clear_phone("fulfillment/proofs/2026/12/8e19156513808ca4f0b2d7e6a1c3f5b9.jpg") is None
    assert clear_phone("msg_0a19156513808bcd9e8f7a6b5c4d3e2f") is None
    assert clear_phone("收货人电话13812345678，请联系") == "13812345678"
    assert clear_phone('{"phone": "13812345678"}') == "13812345678"
    assert clear_phone("tel:13812345678") == "13812345678"
    assert clear_phone("138****5678") is None

