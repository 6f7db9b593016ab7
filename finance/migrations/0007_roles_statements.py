from django.db import migrations


def sync(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    """Statements, ageing, payment behaviour and standard costs for 财务 (and the 主管);
    ageing and statements of their own customers for 销售专员."""

    dependencies = [
        ("finance", "0006_statements_and_cost_rights"),
        ("customers", "0012_creditlimitchange"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
