"""The inventory operations of the demo (issue 19), built by ``ordermgmt.demo`` after the
orders, through the real services: a transfer received last week (one line short, with
the reason), a transfer 上海 → 广州 on the road (在途), and a blind count of one category of
the Shanghai warehouse in progress — part counted, one line waiting for its recount, and
goods shipped out of it after the snapshot (shown on the count's page)."""

from django.db import transaction
from django.db.models import F

from .models import StockBatch, StockCount, TransferOrder, Warehouse
from .services.counts import CountScope, count_record, count_start
from .services.transfers import transfer_create, transfer_receive, transfer_ship


class InventoryOperationsDemo:
    def __init__(self, demo) -> None:
        self.demo = demo
        self.clerk = demo.users["warehouse"]

    def build(self) -> None:
        if TransferOrder.objects.exists() or StockCount.objects.exists():
            return
        shanghai, guangzhou = Warehouse.objects.get(code="WH-SH"), Warehouse.objects.get(code="WH-GZ")
        with transaction.atomic():
            free = self._free_batches(shanghai)
            if len(free) < 4:
                return
            count = count_start(scope=CountScope(warehouse=shanghai, category=free[0].product.category),
                                user=self.clerk, blind=True, tolerance=2, note="月度循环盘点")
            self._received_transfer(shanghai, guangzhou, free[2:4])
            transit = self._transfer_in_transit(shanghai, guangzhou, free[:2])
            self._counts_entered(count)
        self.demo.log(f"调拨：{transit.number} 在途（上海主仓 → 广州分仓）；盘点：{count.number} 进行中")

    def _free_batches(self, warehouse) -> list[StockBatch]:
        """One batch per product with plenty of free stock, the largest first."""
        rows = (StockBatch.objects.filter(warehouse=warehouse, product__category__isnull=False)
                .annotate(free=F("quantity_remaining") - F("quantity_allocated")).filter(free__gte=12)
                .select_related("product__category").order_by("-free", "pk"))
        by_product = {}
        for batch in rows:
            by_product.setdefault(batch.product_id, batch)
        return list(by_product.values())

    def _transfer_in_transit(self, source, destination, batches) -> TransferOrder:
        transfer = transfer_create(source=source, destination=destination, user=self.clerk, note="广州分仓备货",
                                   lines=[(batch.product, 5) for batch in batches])
        return transfer_ship(transfer=transfer, user=self.clerk)

    def _received_transfer(self, source, destination, batches) -> TransferOrder:
        transfer = transfer_create(source=source, destination=destination, user=self.clerk, note="华南促销补货",
                                   lines=[(batch.product, 4) for batch in batches])
        transfer = transfer_ship(transfer=transfer, user=self.clerk)
        short = transfer.lines.first()
        return transfer_receive(transfer=transfer, user=self.clerk, received={short.pk: 3},
                                reasons={short.pk: "运输途中外箱破损 1 件，已拍照留存"})

    def _counts_entered(self, count) -> None:
        """All lines but the first counted as the shelf is now (the goods shipped after the
        snapshot are gone); the last one 5 short, beyond the tolerance: it waits for 复盘."""
        lines = list(count.lines.select_related("batch"))
        counted = {line.pk: line.batch.quantity_remaining for line in lines[1:]}
        if len(lines) > 1:
            counted[lines[-1].pk] = max(lines[-1].batch.quantity_remaining - 5, 0)
        count_record(count=count, user=self.clerk, counted=counted)
