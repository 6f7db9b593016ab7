import django.db.models.deletion
from django.db import migrations, models


def link_cases_to_their_proofs(apps, schema_editor):
    """The link was kept on the proof (fulfillment pointing up at after-sales); it now lives
    on the case, so that fulfillment knows nothing of after-sales."""
    DeliveryProof = apps.get_model("fulfillment", "DeliveryProof")
    AfterSalesCase = apps.get_model("aftersales", "AfterSalesCase")
    for proof_id, case_id in DeliveryProof.objects.exclude(after_sales_case=None).values_list("pk", "after_sales_case"):
        AfterSalesCase.objects.filter(pk=case_id).update(delivery_proof_id=proof_id)


def link_proofs_to_their_cases(apps, schema_editor):
    DeliveryProof = apps.get_model("fulfillment", "DeliveryProof")
    AfterSalesCase = apps.get_model("aftersales", "AfterSalesCase")
    for case_id, proof_id in AfterSalesCase.objects.exclude(delivery_proof=None).values_list("pk", "delivery_proof"):
        DeliveryProof.objects.filter(pk=proof_id).update(after_sales_case_id=case_id)


class Migration(migrations.Migration):

    dependencies = [
        ('aftersales', '0003_roles_after_sales'),
        ('fulfillment', '0003_notices_for_cancellation_after_sales_refund'),
    ]

    operations = [
        migrations.AddField(
            model_name='aftersalescase',
            name='delivery_proof',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='after_sales_case', to='fulfillment.deliveryproof', verbose_name='签收凭证'),
        ),
        migrations.RunPython(link_cases_to_their_proofs, link_proofs_to_their_cases),
    ]
