from django.db import migrations


def grant_every_customer(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    """``customers.view_all_customers``: without it a 销售专员 sees only the customers they own
    and their orders; every other role gets it from ordermgmt/roles.py."""

    dependencies = [
        ("customers", "0005_name_prefix_index"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="customer",
            options={
                "ordering": ["code"],
                "permissions": [("view_all_customers", "查看所有客户及其订单")],
                "verbose_name": "客户",
                "verbose_name_plural": "客户",
            },
        ),
        migrations.RunPython(grant_every_customer, migrations.RunPython.noop),
    ]
