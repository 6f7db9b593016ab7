from django.db import migrations


def sync(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    """财务 may import bank statements, reconcile payments, approve refunds, enter opening
    receivables and customer credit (issue 20, items 3–6)."""

    dependencies = [
        ("finance", "0002_reconciliation_cod_accounts"),
        ("orders", "0021_settlement_credit_opening_refund_approval"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
