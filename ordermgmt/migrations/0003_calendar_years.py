import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def attach_days_to_their_year(apps, schema_editor):
    """Days entered before arrangements had a year belong to the year they fall in."""
    CalendarDay = apps.get_model("ordermgmt", "CalendarDay")
    CalendarYear = apps.get_model("ordermgmt", "CalendarYear")
    for day in CalendarDay.objects.filter(calendar_year__isnull=True):
        day.calendar_year, _ = CalendarYear.objects.get_or_create(year=day.day.year)
        day.save(update_fields=["calendar_year"])


class Migration(migrations.Migration):

    dependencies = [
        ("ordermgmt", "0002_calendar_days"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="年份")),
                ("notice", models.CharField(blank=True, max_length=100, verbose_name="依据（通知文号）")),
                ("confirmed_at", models.DateTimeField(blank=True, null=True, verbose_name="确认时间")),
                ("confirmed_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                    to=settings.AUTH_USER_MODEL, verbose_name="确认人")),
            ],
            options={"verbose_name": "年度放假安排", "verbose_name_plural": "年度放假安排", "ordering": ["year"]},
        ),
        migrations.AddField(
            model_name="calendarday",
            name="calendar_year",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="days",
                to="ordermgmt.calendaryear", verbose_name="放假安排年份"),
        ),
        migrations.RunPython(attach_days_to_their_year, migrations.RunPython.noop),
    ]
