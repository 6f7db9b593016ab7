from django.db import migrations


def seed(apps, schema_editor):
    # 客服 handle complaints, 主管 supervise them; the categories a 主管 starts from.
    from ordermgmt.roles import create_all_permissions, sync_roles
    from servicedesk.categories import ensure_default_categories

    create_all_permissions(apps)
    sync_roles(apps)
    ensure_default_categories(apps.get_model("servicedesk", "ComplaintCategory"))


class Migration(migrations.Migration):

    dependencies = [
        ("servicedesk", "0001_initial"),
        ("ordermgmt", "0006_event_deliveries"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
