from django.db import migrations


def grant_transfer_and_count_permissions(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0012_transfers_counts_ledger"),
    ]

    operations = [migrations.RunPython(grant_transfer_and_count_permissions, migrations.RunPython.noop)]
