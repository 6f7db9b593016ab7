from django.db import migrations


def forwards(apps, schema_editor):
    from fulfillment.notifications.defaults import ensure_default_templates
    from ordermgmt.roles import create_all_permissions, sync_roles

    ensure_default_templates(apps.get_model("fulfillment", "NotificationTemplate"))
    create_all_permissions(apps)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0001_initial"),
        ("aftersales", "0001_initial"),
        ("orders", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
