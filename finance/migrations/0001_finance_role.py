from django.db import migrations


def grant_finance_role(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    """The 财务 role (issue 20) with what it may see from the start."""

    dependencies = [
        ("orders", "0020_order_anonymised_at_and_retention_runs"),
        ("servicedesk", "0004_encrypt_existing_rows"),
    ]

    operations = [migrations.RunPython(grant_finance_role, migrations.RunPython.noop)]
