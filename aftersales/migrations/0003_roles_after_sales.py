from django.db import migrations


def sync(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0002_case_state_machine_lines_feedback"),
        ("orders", "0013_order_replaces_order"),
        ("fulfillment", "0002_templates_and_roles"),
        ("inventory", "0005_warehouse_is_quarantine"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
