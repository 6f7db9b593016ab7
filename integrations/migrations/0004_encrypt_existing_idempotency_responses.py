"""Encrypts the rows written before the answers kept for idempotency keys were encrypted, in batches that each commit.
Backwards: the values in clear again, before the columns go back to their old types."""

from django.db import migrations

from ordermgmt.encryption import reencrypt_table

TABLES = [
    {"table": "integrations_idempotencykey", "columns": ["response_body"]},
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
        ("integrations", "0003_encrypt_idempotency_responses"),
    ]

    operations = [
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=True),
    ]
