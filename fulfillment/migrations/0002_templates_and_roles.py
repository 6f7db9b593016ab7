from django.db import migrations


def forwards(apps, schema_editor):
    from fulfillment.notifications.defaults import DEFAULT_TEMPLATES
    from ordermgmt.roles import create_all_permissions, sync_roles

    NotificationTemplate = apps.get_model("fulfillment", "NotificationTemplate")
    for (key, channel), (subject, body) in DEFAULT_TEMPLATES.items():
        NotificationTemplate.objects.get_or_create(key=key, channel=channel, defaults={"subject": subject, "body": body})
    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0001_initial"),
        ("aftersales", "0001_initial"),
        ("orders", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
