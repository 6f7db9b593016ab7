from django.db import migrations


def sync(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_tax_and_bank_validation"),
        ("inventory", "0004_pricing"),
        ("orders", "0005_pricing"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
