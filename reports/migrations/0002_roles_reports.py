from django.db import migrations


def sync(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("orders", "0010_roles_import"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
