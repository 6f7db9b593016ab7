from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('fulfillment', '0003_notices_for_cancellation_after_sales_refund'),
        # The link was copied onto the case first.
        ('aftersales', '0004_case_from_delivery_proof'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='deliveryproof',
            name='after_sales_case',
        ),
    ]
