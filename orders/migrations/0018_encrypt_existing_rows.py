"""Encrypts the rows written before orders' receivers (name, phone, e-mail, street) and import
previews were encrypted (and fills the phone's and name's blind indexes), in batches that each
commit: an interrupted run resumes where it stopped. Backwards: the values in clear again,
before the columns go back to their old types."""

from django.db import migrations

from ordermgmt.encryption import reencrypt_table

TABLES = [
    {"table": "orders_order", "columns": ["contact_name", "contact_phone", "contact_email", "ship_address"],
     "indexes": {"contact_phone_index": "contact_phone", "contact_name_index": ("contact_name", "name")}},
    {"table": "orders_importjob", "columns": ["preview", "problems"]},
]


def encrypt_rows(apps, schema_editor):
    for table in TABLES:
        reencrypt_table(schema_editor.connection, **table)


def decrypt_rows(apps, schema_editor):
    for table in TABLES:
        reencrypt_table(schema_editor.connection, table=table["table"], columns=table["columns"], decrypt_only=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0017_encrypt_personal_data"),
    ]

    operations = [
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=True),
    ]
