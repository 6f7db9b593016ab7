from django.db import migrations


def grant_purchasing_permissions(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    """Purchasing's permissions for the 仓库管理员 (buys and receives), 生产调度员 and 数据分析师
    (see), and the 主管 (everything: approvals, replenishment)."""

    dependencies = [
        ("purchasing", "0001_initial"),
        ("finance", "0001_finance_role"),
        ("inventory", "0013_roles_transfers_counts"),
    ]

    operations = [migrations.RunPython(grant_purchasing_permissions, migrations.RunPython.noop)]
