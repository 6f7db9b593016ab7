"""Reactions of the orders app to other apps' signals."""

from django.db import transaction
from django.dispatch import receiver

from inventory.signals import stock_received


@receiver(stock_received)
def allocate_orders_waiting_for_stock(sender, product_ids, **kwargs):
    from .tasks import allocate_waiting_orders

    ids = sorted(product_ids)

    def queue_allocation_of_waiting_orders():
        allocate_waiting_orders.delay(ids)

    # robust: the receipt is committed by now. Whatever goes wrong queueing (or, with eager
    # tasks, running) the allocation is logged, never shown to the clerk as a failed receipt.
    transaction.on_commit(queue_allocation_of_waiting_orders, robust=True)
