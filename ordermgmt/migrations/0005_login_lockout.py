from django.db import migrations


def sync(apps, schema_editor):
    # The 主管 (all permissions of the platform's apps) may now view and lift login lockouts.
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("ordermgmt", "0004_calendar_changes"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoginLockout",
            fields=[],
            options={
                "verbose_name": "登录锁定",
                "verbose_name_plural": "登录锁定",
                "ordering": ["-attempt_time"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("axes.accessattempt",),
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
