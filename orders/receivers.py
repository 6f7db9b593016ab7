"""What the orders app does when lower apps announce something (see ``ordermgmt.domain_events``)."""

from inventory.domain_events import StockReceived
from ordermgmt.domain_events import Phase, subscribe

from .services import orders_allocate_waiting


@subscribe(StockReceived, phase=Phase.AFTER_COMMIT)
def allocate_orders_waiting_for_stock(event: StockReceived) -> None:
    """Goods arrived: allocate the orders that waited for them, by priority. After commit,
    by a worker: the receipt is saved whatever happens here, and a failure is retried
    (allocating skips orders no longer waiting, so a second run does no harm)."""
    orders_allocate_waiting(product_ids=sorted(event.product_ids))
