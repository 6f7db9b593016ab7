"""Encrypts the rows written before the import jobs' previews and problems were encrypted, in batches that each commit.
Backwards: the values in clear again, before the columns go back to their old types."""

from django.db import migrations

from ordermgmt.encryption import reencrypt_table

TABLES = [
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
        ("orders", "0017_encrypt_import_previews"),
    ]

    operations = [
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=True),
    ]
