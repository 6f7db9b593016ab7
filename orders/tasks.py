"""Celery tasks of the orders app: they take ids and call services."""

from celery import shared_task

from .models import Order


@shared_task(acks_late=True)
def run_auto_review(order_id: int) -> str:
    from .services import order_auto_review

    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return "missing"
    return order_auto_review(order=order, user=None).status


@shared_task(acks_late=True)
def allocate_waiting_orders(product_ids: list[int]) -> list[str]:
    """Stock arrived for these products: allocate the orders waiting for it, by priority."""
    from .services import orders_allocate_waiting

    return orders_allocate_waiting(product_ids=product_ids)
