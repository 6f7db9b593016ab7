"""Reads of orders shared by the views (and later by reports and exports)."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from customers.selectors import customer_search, customer_visibility
from ordermgmt.encryption import name_blind_index, phone_blind_index
from inventory.models import Product
from ordermgmt.addresses import parse_region

from inventory.models import PurchaseRequest
from inventory.services import order_shortages

from .models import UNPAID, CheckResult, Order, OrderEvent, OrderLine, OrderStatus
from .review import manual_review_reason
from .workflow import PROGRESS_STEP_OF, PROGRESS_STEPS, QUEUE_RULES


def order_visibility(user, *, through: str = "") -> Q | None:
    """The condition on orders (reached ``through`` a relation, e.g. ``"order__"``) that a
    user may see, or None when they see them all (``view_all_customers``): the orders of the
    customers they may see (``customer_visibility``) and the orders they own."""
    customers = customer_visibility(user, through=f"{through}customer__")
    if customers is None:
        return None
    return customers | Q(**{f"{through}owner_id": user.pk})


def orders_visible_to(user, orders: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """The orders a user may see (``order_visibility``). Every page, search, export and action
    on an order goes through here; an order outside it is answered 404."""
    orders = Order.objects.all() if orders is None else orders
    condition = order_visibility(user)
    return orders if condition is None else orders.filter(condition)


def order_list_queryset(*, visible_to) -> QuerySet[Order]:
    return orders_visible_to(visible_to, Order.objects.select_related("customer", "owner"))


def order_search(queryset: QuerySet[Order], query: str) -> QuerySet[Order]:
    """Search by order number, customer name (or its pinyin / initials / code), phone or
    外部单号. Every branch uses an index: a number or phone is matched from its start, a
    name is looked up among customers (a small table) and then their orders."""
    query = (query or "").strip()
    if not query:
        return queryset
    digits = query.replace("-", "").replace(" ", "")
    if digits.isdigit() and len(digits) >= 7:
        # Digit strings: a range on the unique order number (a prefix that any collation
        # can answer from the index), or the whole phone number (its blind index: the
        # phone itself is encrypted).
        return queryset.filter(
            Q(number__gte=digits, number__lt=digits + "~") | Q(contact_phone_index=phone_blind_index(query))
            | Q(external_ref=query)
        )
    customer_ids = list(customer_search(query).values_list("pk", flat=True)[:200])
    return queryset.filter(Q(customer_id__in=customer_ids) | Q(external_ref=query))


def orders_by_sku(queryset: QuerySet[Order], sku: str) -> QuerySet[Order]:
    """Orders with a line whose SKU starts with ``sku`` (the SKU as ordered, index on it)."""
    sku = (sku or "").strip()
    if not sku:
        return queryset
    lines = OrderLine.objects.filter(Q(product_sku__startswith=sku) | Q(product_sku__startswith=sku.upper()))
    return queryset.filter(pk__in=lines.values("order_id"))


def orders_by_tracking_number(queryset: QuerySet[Order], tracking_number: str) -> QuerySet[Order]:
    """Orders shipped under this tracking number (whatever the carrier; index on it). The
    shipments are fulfillment's: reached through their relation to the order, not imported."""
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        return queryset
    return queryset.filter(pk__in=Order.objects.filter(shipments__tracking_number=tracking_number).values("pk"))


def orders_by_contact_name(queryset: QuerySet[Order], name: str) -> QuerySet[Order]:
    """Orders whose receiver is named ``name``, the whole name (张三; 张 alone finds nothing):
    the name is encrypted, found through its blind index."""
    name = (name or "").strip()
    return queryset.filter(contact_name_index=name_blind_index(name)) if name else queryset


def orders_by_region(queryset: QuerySet[Order], region: str) -> QuerySet[Order]:
    """Orders shipped to a province, a city or a district, named in full or not (广东, 深圳,
    南山区): cpca tells which it is, so that one column is filtered (province and city through
    their indexes).
    Text cpca does not know is compared with the stored province and city as it is."""
    region = (region or "").strip()
    if not region:
        return queryset
    known = parse_region(region)
    if known is None:
        return queryset.filter(Q(ship_province=region) | Q(ship_city=region))
    if known.district:
        # A district name can be two cities' (西湖区: 杭州 and 南昌): the orders tell which.
        # Not indexed — a clerk narrows by city first.
        return queryset.filter(ship_district=known.district)
    if known.city:
        return queryset.filter(ship_city=known.city)
    return queryset.filter(ship_province=known.province)


def orders_with_balance_due(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """Orders with 应收余额 (BALANCE_DUE > 0), through the partial index on the same condition."""
    return queryset.filter(UNPAID)


def with_queue_order(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """Highest priority score first (加急, customer level, amount), then the longest waiting."""
    return queryset.order_by("-priority_score", "status_changed_at", "id")


QUEUE_EXTRA_FILTERS = {
    # Orders held by a credit block or overdue debt wait for a 主管 before a reviewer.
    "reviewable": Q(awaiting_manager=False),
    "held": Q(awaiting_manager=True),
}

# The orders a 主管 must release (credit hold, overdue debt, price below the floor) before
# a reviewer can approve them. The flag outlives a cancellation, hence the status.
AWAITING_MANAGER_RELEASE = Q(status=OrderStatus.PENDING_REVIEW, awaiting_manager=True)


def orders_awaiting_manager_release(queryset: QuerySet[Order] | None = None) -> QuerySet[Order]:
    return (Order.objects.all() if queryset is None else queryset).filter(AWAITING_MANAGER_RELEASE)


def queue_filter_for_user(user) -> Q | None:
    """The orders waiting for an action of this user's roles, as one filter (None: nothing)."""
    condition = None
    for rule in QUEUE_RULES:
        if not user.has_perm(rule.permission):
            continue
        part = Q(status__in=rule.statuses)
        if rule.order_type:
            part &= Q(order_type=rule.order_type)
        if rule.extra:
            part &= QUEUE_EXTRA_FILTERS[rule.extra]
        if rule.own_only:
            part &= Q(owner=user) | Q(created_by=user)
        condition = part if condition is None else condition | part
    return condition


def order_queue_for_user(user) -> QuerySet[Order]:
    condition = queue_filter_for_user(user)
    if condition is None:
        return Order.objects.none()
    return with_queue_order(order_list_queryset(visible_to=user).filter(condition))


def order_detail(number: str, *, visible_to) -> Order:
    return (
        orders_visible_to(visible_to).select_related("customer", "owner", "created_by")
        .prefetch_related("lines", "adjustments")
        .get(number=number)
    )


def order_timeline(order: Order) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor").order_by("created_at", "id")


def order_progress(order: Order) -> list[dict]:
    """The progress bar: the order's steps, those before the one it stands at marked done.

    Where the order stands now counts, not where it has been: an order sent back to review
    (退回重新审核, 驳回) shows no later step as done. An order that has left the flow
    (cancelled, closed, in after-sales) shows the steps up to the last one it stood at as
    done, and none as current."""
    steps = PROGRESS_STEPS[order.order_type]
    step = PROGRESS_STEP_OF.get(order.status, order.status)
    in_flow = step in steps
    if not in_flow:
        step = _last_step_stood_at(order, steps)
    position = steps.index(step) if step in steps else -1
    return [
        {
            "label": OrderStatus(status).label,
            "done": index < position or (index == position and not in_flow),
            "current": index == position and in_flow,
        }
        for index, status in enumerate(steps)
    ]


def _last_step_stood_at(order: Order, steps) -> str | None:
    """The step an order stood at before it left the flow, read from its timeline."""
    last = (
        order.events.filter(to_status__in=[*steps, *PROGRESS_STEP_OF]).order_by("-created_at", "-id")
        .values_list("to_status", flat=True).first()
    )
    return PROGRESS_STEP_OF.get(last, last)


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


_WAITING_FOR = {
    OrderStatus.ALLOCATED: gettext_lazy("库存已锁定，等待仓库拣货、打包、出库"),
    OrderStatus.IN_PRODUCTION: gettext_lazy("生产中，等待生产完成并入库"),
    OrderStatus.SHIPPED: gettext_lazy("已出库，等待物流揽收和运输"),
    OrderStatus.IN_TRANSIT: gettext_lazy("配送中，等待客户签收"),
    OrderStatus.DELIVERED: gettext_lazy("已交付，等待客服确认完成"),
    OrderStatus.AFTER_SALES: gettext_lazy("售后处理中，等待售后专员处理完毕"),
}


def order_waiting_reason(order: Order) -> str:
    """One sentence answering “why is this order waiting?” ('' when it waits for nobody).

    The sentence is in the reader's language; the check results quoted in it are stored
    records and stay in the platform's language."""
    status = order.status
    if status == OrderStatus.PENDING_REVIEW:
        checks = list(order.checks.all())
        if not checks:
            return gettext("已提交，等待系统自动审核")
        blocking = [c for c in checks if c.is_blocking]
        credit = next((c for c in blocking if c.name == "credit"), None)
        if credit is not None:
            return credit.message
        if blocking:
            return gettext("审核被拦截：%(checks)s") % {"checks": "；".join(c.message for c in blocking)}
        warnings = [c.message for c in checks if c.result == CheckResult.WARN and not c.overridden_at]
        reasons = [r for r in [manual_review_reason(order)] + warnings if r]
        if reasons:
            return gettext("等待审核员人工审核：%(reasons)s") % {"reasons": "；".join(reasons)}
        return gettext("等待审核员审核")
    if status == OrderStatus.REJECTED:
        event = order.events.filter(action="reject").order_by("-id").first()
        if event and event.reason:
            return gettext("已驳回，等待录入人修改后重新提交：%(reason)s") % {"reason": event.reason}
        return gettext("已驳回，等待录入人修改后重新提交")
    if status == OrderStatus.APPROVED:
        if order.is_custom:
            return gettext("已审核，等待生产调度员安排生产")
        shortages = order_shortages(order=order)
        if shortages:
            requests = list(order.purchase_requests.filter(state__in=["open", "ordered"]))
            text = gettext("已审核，库存不足，等待到货后自动分配：%(shortages)s") % {
                "shortages": "；".join(str(s) for s in shortages)}
            if requests:
                text += gettext("（采购申请 %(requests)s）") % {
                    "requests": "、".join(f"{r.number} {r.get_state_display()}" for r in requests)}
            return text
        return gettext("已审核，等待仓库分配库存")
    return str(_WAITING_FOR.get(status, ""))


def order_purchase_requests(order: Order) -> QuerySet[PurchaseRequest]:
    return order.purchase_requests.select_related("product").order_by("-created_at")


def tax_by_rate(order: Order) -> list[dict]:
    """VAT per rate: the base (net of discounts) and the tax, goods and freight together."""
    from collections import defaultdict
    from decimal import Decimal

    rates = defaultdict(lambda: {"base": Decimal("0.00"), "tax": Decimal("0.00")})
    for line in order.lines.all():
        rates[line.vat_rate]["base"] += line.net_amount
        rates[line.vat_rate]["tax"] += line.tax_amount
    for adjustment in order.adjustments.all():
        if adjustment.kind == "freight" and adjustment.amount:
            rates[adjustment.vat_rate]["base"] += adjustment.amount
            rates[adjustment.vat_rate]["tax"] += adjustment.tax_amount
    return [{"rate": rate, **values} for rate, values in sorted(rates.items(), reverse=True)]
