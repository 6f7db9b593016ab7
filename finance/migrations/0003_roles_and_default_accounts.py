from django.db import migrations

# As finance.models.vouchers.DEFAULT_ACCOUNTS when this migration was written.
DEFAULT_ACCOUNTS = [
    ("receivable", "1122", "应收账款"),
    ("revenue", "6001", "主营业务收入"),
    ("output_vat", "22210102", "应交税费-应交增值税-销项税额"),
    ("bank", "1002", "银行存款"),
    ("cash", "1001", "库存现金"),
    ("online", "1012", "其他货币资金"),
]


def grant_finance_permissions(apps, schema_editor):
    from ordermgmt.roles import create_all_permissions, sync_roles

    create_all_permissions(apps)
    sync_roles(apps)


def create_default_accounts(apps, schema_editor):
    AccountMapping = apps.get_model("finance", "AccountMapping")
    for role, code, name in DEFAULT_ACCOUNTS:
        AccountMapping.objects.get_or_create(role=role, defaults={"code": code, "name": name})


class Migration(migrations.Migration):
    """The 财务 role's invoicing and voucher permissions; the default account codes."""

    dependencies = [("finance", "0002_invoices_periods_accounts")]

    operations = [
        migrations.RunPython(grant_finance_permissions, migrations.RunPython.noop),
        migrations.RunPython(create_default_accounts, migrations.RunPython.noop),
    ]
