"""Does every batch agree with its stock movements?

The ledger (``StockMovement``) is the history of every change of stock on hand; the batch
counters are its running result. For each batch:

- ``quantity_remaining`` = the sum of its movements;
- ``quantity_received`` = the highest balance the batch ever had: its receipt, raised by a
  count that found more than was ever received (``stock_adjust`` and count posting raise it
  so that remaining ≤ received stays true);
- ``quantity_allocated`` = the sum of its active allocations.

A difference means something changed a batch without a movement (a direct UPDATE, a
script, an admin edit): ``stock_ledger_check`` reports it and fails.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from .models import StockAllocation, StockBatch, StockMovement


@dataclass(frozen=True)
class LedgerDifference:
    batch_no: str
    field: str
    recorded: int
    from_ledger: int

    def __str__(self) -> str:
        return (f"{self.batch_no}: {self.field} = {self.recorded}，流水计算 = {self.from_ledger}"
                f"（差 {self.recorded - self.from_ledger:+d}）")


def _ledger_totals() -> dict[int, tuple[int, int]]:
    """``{batch id: (sum of movements, highest running balance)}`` in one query."""
    table = StockMovement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT batch_id, SUM(quantity), MAX(balance) FROM ("
            f"  SELECT batch_id, quantity, SUM(quantity) OVER (PARTITION BY batch_id ORDER BY id) AS balance"
            f"  FROM {table}) running GROUP BY batch_id"
        )
        return {batch_id: (int(total), int(highest)) for batch_id, total, highest in cursor.fetchall()}


def _active_allocations() -> dict[int, int]:
    rows = (StockAllocation.objects.filter(state=StockAllocation.State.ACTIVE).values("batch_id").order_by()
            .annotate(total=Sum("quantity")))
    return {row["batch_id"]: row["total"] for row in rows}


def ledger_differences() -> list[LedgerDifference]:
    """Every batch counter that its movements (or allocations) do not explain, by batch number."""
    ledger = _ledger_totals()
    allocated = _active_allocations()
    differences = []
    batches = StockBatch.objects.order_by("batch_no").values_list(
        "pk", "batch_no", "quantity_remaining", "quantity_received", "quantity_allocated")
    for pk, batch_no, remaining, received, allocated_counter in batches.iterator(chunk_size=5000):
        total, highest = ledger.get(pk, (0, 0))
        expected = {"quantity_remaining": (remaining, total), "quantity_received": (received, max(highest, 0)),
                    "quantity_allocated": (allocated_counter, allocated.get(pk, 0))}
        differences += [LedgerDifference(batch_no, field, recorded, computed)
                        for field, (recorded, computed) in expected.items() if recorded != computed]
    return differences
