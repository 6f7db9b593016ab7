"""Reads of orders shared by the views (and later by reports and exports)."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from inventory.models import Product

from .models import Order, OrderEvent, OrderStatus, Priority
from .workflow import QUEUE_RULES


def order_list_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("customer", "owner")


def order_search(queryset: QuerySet[Order], query: str) -> QuerySet[Order]:
    """Search by order number, customer name (or its pinyin / initials / code) and phone."""
    query = (query or "").strip()
    if not query:
        return queryset
    if query.isdigit() and len(query) >= 8:
        return queryset.filter(Q(number__startswith=query) | Q(contact_phone__contains=query))
    lowered = query.lower()
    return queryset.filter(
        Q(number__startswith=query)
        | Q(customer__name__icontains=query)
        | Q(customer__search_key__contains=lowered)
        | Q(contact_phone__contains=query)
        | Q(contact_name__icontains=query)
        | Q(external_ref=query)
    )


def with_queue_order(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """加急 first, then the order that has waited longest in its current state."""
    return queryset.annotate(
        urgent_rank=Case(When(priority=Priority.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("urgent_rank", "status_changed_at", "id")


def queue_filter_for_user(user) -> Q | None:
    """The orders waiting for an action of this user's roles, as one filter (None: nothing)."""
    condition = None
    for rule in QUEUE_RULES:
        if not user.has_perm(rule.permission):
            continue
        part = Q(status__in=rule.statuses)
        if rule.order_type:
            part &= Q(order_type=rule.order_type)
        if rule.own_only:
            part &= Q(owner=user) | Q(created_by=user)
        condition = part if condition is None else condition | part
    return condition


def order_queue_for_user(user) -> QuerySet[Order]:
    condition = queue_filter_for_user(user)
    if condition is None:
        return Order.objects.none()
    return with_queue_order(order_list_queryset().filter(condition))


def order_detail(number: str) -> Order:
    return (
        Order.objects.select_related("customer", "owner", "created_by")
        .prefetch_related("lines")
        .get(number=number)
    )


def order_timeline(order: Order) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor").order_by("created_at", "id")


def line_availability(order: Order) -> dict[int, dict]:
    """Stock figures per product on the order's lines: on hand, allocated, available."""
    product_ids = {line.product_id for line in order.lines.all()}
    rows = Product.objects.filter(pk__in=product_ids).with_stock().values("pk", "on_hand", "allocated", "available")
    return {row["pk"]: row for row in rows}


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    rows = Order.objects.values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in OrderStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
