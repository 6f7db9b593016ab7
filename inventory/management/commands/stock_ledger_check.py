from django.core.management.base import BaseCommand, CommandError

from inventory.ledger import ledger_differences
from inventory.models import StockBatch


class Command(BaseCommand):
    help = ("Check that every stock batch's quantities equal what its stock movements (and active "
            "allocations) say; print each difference and exit non-zero if there is any.")

    def handle(self, *args, **options):
        differences = ledger_differences()
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            batches = len({d.batch_no for d in differences})
            raise CommandError(f"库存账实不符：{batches} 个批次共 {len(differences)} 处差异")
        self.stdout.write(self.style.SUCCESS(f"库存流水核对通过：{StockBatch.objects.count()} 个批次与流水一致"))
