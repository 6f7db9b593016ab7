"""Where the report finds orders with an after-sales case or a logistics exception.

Kept apart so that the metrics do not depend on how those apps store them.
"""

from orders.models import OrderEvent


def after_sales_order_ids(order_ids):
    """Orders (among ``order_ids``, a values('pk') queryset) that entered 售后中."""
    return OrderEvent.objects.filter(order__in=order_ids, to_status="after_sales").values("order").distinct()


def logistics_exception_order_ids(order_ids):
    """Orders with a logistics exception (delay, suspected loss, carrier 异常 event)."""
    return OrderEvent.objects.filter(order__in=order_ids, action="logistics_exception").values("order").distinct()


def late_shipments(today):
    """Orders on their way (已出库/配送中) past the date the customer asked for."""
    from orders.models import Order, OrderStatus

    return Order.objects.filter(
        status__in=[OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT], requested_delivery_date__lt=today
    )


def overdue_after_sales(now):
    """After-sales work past its service-level due time (none tracked yet: an empty list)."""
    from orders.models import Order

    return Order.objects.none()
