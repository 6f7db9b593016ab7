from django.db import migrations


def grant_full_contact(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    """``customers.view_full_contact``: the one rule for who sees a full phone, e-mail and
    street (customers/privacy.py); the role groups get it from ordermgmt/roles.py."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0002_tax_and_bank_validation"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="contact",
            options={
                "ordering": ["-is_primary", "id"],
                "permissions": [("view_full_contact", "查看完整联系方式（电话、邮箱、详细地址）")],
                "verbose_name": "联系人",
                "verbose_name_plural": "联系人",
            },
        ),
        migrations.RunPython(grant_full_contact, migrations.RunPython.noop),
    ]
