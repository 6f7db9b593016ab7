"""Personal data is encrypted at rest (ordermgmt/encryption.py): stored as ciphertext, read
back in clear, found by its blind index, re-encrypted by ``encryption_rotate``."""

import io

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from customers.models import Address, Contact, Customer
from customers.selectors import customer_search
from ordermgmt.encryption import PREFIX, generate_key, keyring, phone_blind_index, reencrypt_table
from orders.models import Order
from orders.selectors import order_search
from tests.factories import CustomerFactory, make_order

KEY_A, KEY_B = generate_key(), generate_key()

# Every encrypted column of the tables the orders and customers write.
ENCRYPTED = {
    "orders_order": ["contact_name", "contact_phone", "contact_email", "ship_address"],
    "customers_contact": ["name", "phone", "email"],
    "customers_address": ["detail"],
    "customers_customer": ["bank_account"],
}


def stored(table: str, column: str, row_id: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def all_stored(table: str, column: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def an_order():
    customer = CustomerFactory()
    customer.bank_account = "6222020200112233445"
    customer.save()
    return make_order(customer=customer, contact_email="li.si@example.com")


@pytest.mark.django_db
def test_personal_data_is_stored_encrypted_and_read_back_in_clear():
    order = an_order()
    for column in ENCRYPTED["orders_order"]:
        assert stored("orders_order", column, order.pk).startswith(PREFIX), column
    assert "13812345678" not in stored("orders_order", "contact_phone", order.pk)
    contact, address = order.customer.contacts.get(), order.customer.addresses.get()
    assert stored("customers_contact", "phone", contact.pk).startswith(PREFIX)
    assert stored("customers_address", "detail", address.pk).startswith(PREFIX)
    assert stored("customers_customer", "bank_account", order.customer.pk).startswith(PREFIX)

    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.contact_name, fresh.contact_phone, fresh.contact_email, fresh.ship_address) == (
        "张三", "13812345678", "li.si@example.com", "张江路100号")
    assert Customer.objects.get(pk=order.customer.pk).bank_account == "6222020200112233445"
    assert list(Order.objects.filter(pk=order.pk).values_list("contact_phone", flat=True)) == ["13812345678"]
    # The same phone encrypts differently every time: a dump shows no repeated value.
    assert stored("orders_order", "contact_phone", order.pk) != stored("customers_contact", "phone", contact.pk)


@pytest.mark.django_db
def test_an_encrypted_column_refuses_a_search_it_cannot_answer():
    an_order()
    with pytest.raises(FieldError, match="encrypted"):
        list(Order.objects.filter(contact_phone="13812345678"))
    with pytest.raises(FieldError):
        list(Contact.objects.filter(phone__contains="1381"))
    # Blank values stay blank and can be asked for.
    assert Order.objects.filter(contact_email="").count() == 0
    assert Customer.objects.exclude(bank_account="").count() == 1


@pytest.mark.django_db
def test_a_phone_is_found_by_its_blind_index_in_any_spelling():
    order = an_order()
    other = make_order(customer=CustomerFactory(with_contact=False), contact_phone="13900001111")
    assert order.contact_phone_index == phone_blind_index("13812345678") != other.contact_phone_index
    for typed in ["13812345678", "138 1234 5678", "+86 138-1234-5678"]:
        assert list(order_search(Order.objects.all(), typed)) == [order], typed
        assert list(customer_search(typed)) == [order.customer], typed
    assert list(order_search(Order.objects.all(), "1381234567")) == []  # a whole number only


@pytest.mark.django_db
def test_the_blind_index_follows_a_phone_saved_with_update_fields():
    order = an_order()
    order.contact_phone = "13900002222"
    order.save(update_fields=["contact_phone"])
    assert Order.objects.get(contact_phone_index=phone_blind_index("13900002222")) == order


@pytest.mark.django_db
def test_rows_written_in_clear_before_encryption_are_encrypted_in_batches():
    orders = [an_order() for _ in range(3)]
    with connection.cursor() as cursor:  # as the rows were before the migration
        cursor.execute("UPDATE orders_order SET contact_phone = %s, contact_phone_index = ''", ["13700001234"])
    assert Order.objects.get(pk=orders[0].pk).contact_phone == "13700001234"  # readable meanwhile

    changed = reencrypt_table(connection, table="orders_order", columns=ENCRYPTED["orders_order"],
                              indexes={"contact_phone_index": "contact_phone"}, batch_size=2)
    assert changed == 3
    assert all(value.startswith(PREFIX) for value in all_stored("orders_order", "contact_phone"))
    assert Order.objects.filter(contact_phone_index=phone_blind_index("13700001234")).count() == 3
    assert reencrypt_table(connection, table="orders_order", columns=ENCRYPTED["orders_order"],
                           indexes={"contact_phone_index": "contact_phone"}) == 0


@pytest.mark.django_db
def test_key_rotation_end_to_end(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    orders = [an_order() for _ in range(3)]
    key_a = keyring().current_id
    indexes_before = sorted(all_stored("orders_order", "contact_phone_index"))
    for table, columns in ENCRYPTED.items():
        for column in columns:
            assert all(v.startswith(f"{PREFIX}{key_a}:") for v in all_stored(table, column) if v), (table, column)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    key_b = keyring().current_id
    # Before rotating, the new key encrypts new writes and the old one still decrypts.
    assert Order.objects.get(pk=orders[0].pk).contact_phone == "13812345678"
    output = io.StringIO()
    call_command("encryption_rotate", "--batch-size", "2", stdout=output)
    assert "orders_order: 3 rows re-encrypted" in output.getvalue()
    for table, columns in ENCRYPTED.items():
        for column in columns:
            assert all(v.startswith(f"{PREFIX}{key_b}:") for v in all_stored(table, column) if v), (table, column)
    second = io.StringIO()
    call_command("encryption_rotate", stdout=second)  # idempotent
    assert "orders_order: 0 rows re-encrypted" in second.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # the old key removed
    for order in Order.objects.all():
        assert (order.contact_name, order.contact_phone, order.ship_address) == ("张三", "13812345678", "张江路100号")
    assert {c.phone for c in Contact.objects.all()} == {"13812345678"}
    assert {a.detail for a in Address.objects.all()} == {"张江路100号"}
    assert sorted(all_stored("orders_order", "contact_phone_index")) == indexes_before
    assert list(order_search(Order.objects.order_by("id"), "13812345678")) == orders


@pytest.mark.django_db
def test_a_value_under_a_key_no_longer_configured_is_refused_with_what_to_do(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    order = an_order()
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(ImproperlyConfigured, match="not in FIELD_ENCRYPTION_KEYS"):
        Order.objects.get(pk=order.pk)


def test_generate_key_prints_a_usable_key():
    output = io.StringIO()
    call_command("encryption_rotate", "--generate-key", stdout=output)
    from ordermgmt.encryption import Keyring

    ring = Keyring((output.getvalue().strip(),))
    assert ring.decrypt(ring.encrypt("张江路100号")) == "张江路100号"


@pytest.mark.django_db
def test_an_import_preview_and_its_problems_are_encrypted_json():
    from orders.models import ImportJob

    preview = [{"contact_name": "李四", "contact_phone": "13912345678", "address": "上海市上海市浦东新区张江路100号"}]
    problems = [{"row": 3, "column": "contact_phone", "value": "1391234567", "message": "电话号码格式不正确"}]
    job = ImportJob.objects.create(original_name="orders.xlsx", preview=preview, problems=problems)
    assert stored("orders_importjob", "preview", job.pk).startswith(PREFIX)
    assert "1391234567" not in stored("orders_importjob", "problems", job.pk)
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.preview, job.problems, job.errors) == (preview, problems, [])


@pytest.mark.django_db
def test_the_fast_bulk_insert_encrypts_and_fills_the_blind_indexes():
    """ordermgmt.bulk.bulk_insert passes text as it is on PostgreSQL: not personal data."""
    from fulfillment.models import NotificationMessage
    from ordermgmt.bulk import bulk_insert

    order = an_order()
    (message,) = bulk_insert([NotificationMessage(order=order, key="shipped", channel="sms", recipient="13912345678",
                                                  body="张三您好，您的订单已发货")])
    assert stored("fulfillment_notificationmessage", "recipient", message.pk).startswith(PREFIX)
    assert stored("fulfillment_notificationmessage", "body", message.pk).startswith(PREFIX)
    found = NotificationMessage.objects.get(recipient_index=phone_blind_index("139 1234 5678"))
    assert (found.recipient, found.body) == ("13912345678", "张三您好，您的订单已发货")
