"""Encrypts the rows written before complaints' contacts (name, phone, e-mail) were encrypted
(and fills the phone's blind index), in batches that each commit: an interrupted run resumes where it stopped. Backwards:
the values in clear again, before the columns go back to their old types."""

from django.db import migrations

from ordermgmt.encryption import reencrypt_table

TABLES = [
    {"table": "servicedesk_complaint", "columns": ["contact_name", "contact_phone", "contact_email"],
     "indexes": {"contact_phone_index": "contact_phone"}},
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
        ("servicedesk", "0003_encrypt_personal_data"),
    ]

    operations = [
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=True),
    ]
