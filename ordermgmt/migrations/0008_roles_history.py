from django.db import migrations


def grant_history_permissions(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("ordermgmt", "0007_history_and_role_changes"),
        ("customers", "0009_history_and_data_subject_requests"),
        ("inventory", "0010_history"),
        ("orders", "0019_price_rule_history"),
        ("fulfillment", "0009_history"),
        ("integrations", "0005_history"),
    ]

    operations = [migrations.RunPython(grant_history_permissions, migrations.RunPython.noop)]
