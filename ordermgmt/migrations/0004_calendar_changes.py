import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def sync_roles(apps, schema_editor):
    """主管 may do everything: give the group the new models' permissions too."""
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    """Separate from 0003: on PostgreSQL a column cannot be altered in the transaction that
    filled it (pending foreign-key trigger events)."""

    dependencies = [
        ("ordermgmt", "0003_calendar_years"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="calendarday",
            name="calendar_year",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="days",
                to="ordermgmt.calendaryear", verbose_name="放假安排年份"),
        ),
        migrations.CreateModel(
            name="CalendarChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("action", models.CharField(
                    choices=[("save", "录入/修改假期"), ("remove", "删除假期"), ("upload", "导入全年安排"),
                             ("confirm", "确认全年安排")],
                    max_length=10, verbose_name="操作")),
                ("summary", models.CharField(max_length=300, verbose_name="说明")),
                ("details", models.JSONField(blank=True, default=list, verbose_name="逐日变化")),
                ("changed_at", models.DateTimeField(auto_now_add=True, verbose_name="修改时间")),
                ("calendar_year", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="changes",
                    to="ordermgmt.calendaryear", verbose_name="放假安排年份")),
                ("changed_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                    to=settings.AUTH_USER_MODEL, verbose_name="修改人")),
            ],
            options={
                "verbose_name": "放假安排修改记录", "verbose_name_plural": "放假安排修改记录",
                "ordering": ["-changed_at", "-id"],
            },
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
