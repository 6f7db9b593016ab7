from django.db import migrations


def sync(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("ordermgmt", "0001_initial"),
        ("inventory", "0003_purchaserequest"),
        ("orders", "0003_review_checks_and_stage_times"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
