from django.db import migrations


def grant_import_permissions(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0009_importjob"),
    ]

    operations = [migrations.RunPython(grant_import_permissions, migrations.RunPython.noop)]
