"""Reactions of the orders app to other apps' signals."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from inventory.signals import stock_received


@receiver(stock_received)
def allocate_orders_waiting_for_stock(sender, product_ids, **kwargs):
    from .tasks import allocate_waiting_orders

    transaction.on_commit(partial(allocate_waiting_orders.delay, sorted(product_ids)))
