"""Finance's demo data, built by ``ordermgmt.demo`` after the orders and before last month's
report: purchase prices on the demo batches and standard costs on the products (so the report
shows cost and margin), payments dated as customers really pay — most within their terms, a
few slow payers late — so that payment behaviour and suggested limits mean something, and
customers with overdue debts across the ageing buckets.

History is shaped here as the order demo shapes its timeline: the records are made by the
services (orders, payments), then their times are set directly; where no customer owes in an
ageing bucket, one demo payment of an order of that age is reversed by ``payment_reverse`` (the
bank returned it: never received) — the payment stays on record with its reason, as it would
in real life, and the order owes again. Deterministic and idempotent.
"""

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import Product, StockBatch
from orders.models import Order, OrderEvent, Payment
from orders.receivables import AGEING_BUCKETS, PAYMENT_DUE_STATUSES, receivables_ageing
from orders.services import payment_reverse

from .services import standard_cost_set

SEED = 20261205
CENT = Decimal("0.01")
# Cost as a share of the list price (without VAT): the standard cost, and the spread of
# purchase prices of the batches around it.
STANDARD_COST_SHARE = Decimal("0.62")
BATCH_COST_SPREAD = (Decimal("0.55"), Decimal("0.72"))
SLOW_PAYERS = 3  # customers who pay 5–40 days late; the others pay within their terms
NEVER_RECEIVED = "银行退票：款项未到账"  # why a demo payment is reversed to leave its order overdue
BOUNCED_AFTER = timedelta(days=2)


def build_finance_demo(builder) -> None:
    rng = random.Random(SEED)
    with transaction.atomic():
        costs = _standard_costs()
        batches = _batch_costs(rng)
        # Once, with the demo orders' payments (a second run finds every cost set already).
        payments = _date_payments(rng) if costs else 0
        overdue = _overdue_across_buckets(builder)
    builder.log(f"财务：{costs} 个商品设置标准成本，{batches} 个批次设置进价，{payments} 笔收款按账期重排时间，"
                f"逾期客户覆盖账龄 {overdue}")


def _standard_costs() -> int:
    products = list(Product.objects.filter(standard_cost__isnull=True))
    for product in products:
        cost = (product.list_price * STANDARD_COST_SHARE).quantize(CENT, ROUND_HALF_UP)
        standard_cost_set(user=None, product=product, standard_cost=cost)
    return len(products)


def _batch_costs(rng: random.Random) -> int:
    """A purchase price on each demo batch (as if received against a purchase order)."""
    batches = list(StockBatch.objects.filter(unit_cost__isnull=True).select_related("product").order_by("pk"))
    low, high = BATCH_COST_SPREAD
    for batch in batches:
        share = low + (high - low) * Decimal(str(rng.random()))
        batch.unit_cost = (batch.product.list_price * share).quantize(CENT, ROUND_HALF_UP)
    StockBatch.objects.bulk_update(batches, ["unit_cost"])
    return len(batches)


def _date_payments(rng: random.Random) -> int:
    """Demo payments were recorded when the demo ran; date them between delivery and the due
    date (slow payers 5–40 days after it), never later than an hour ago."""
    now = timezone.now()
    payments = list(Payment.objects.filter(paid_at__gte=now - timedelta(hours=6))
                    .select_related("order__customer").annotate(due_from=Coalesce("order__delivered_at",
                                                                                  "order__shipped_at")))
    customers = sorted({p.order.customer_id for p in payments})
    slow = set(rng.sample(customers, min(SLOW_PAYERS, len(customers))))
    for payment in payments:
        if payment.due_from is None:
            continue
        terms = payment.order.customer.payment_terms_days
        days = terms + rng.randint(5, 40) if payment.order.customer_id in slow else rng.randint(1, max(terms - 1, 1))
        payment.paid_at = min(payment.due_from + timedelta(days=days, hours=rng.randint(0, 8)), now - timedelta(hours=1))
        OrderEvent.objects.filter(order_id=payment.order_id, action="payment").update(created_at=payment.paid_at)
    Payment.objects.bulk_update(payments, ["paid_at"])
    return len(payments)


def _overdue_across_buckets(builder) -> str:
    """Every overdue bucket has a customer: where none owes that long, one paid order of that
    age (of a customer not yet overdue) owes again — its demo payment was never received."""
    today = timezone.localdate()
    rows = receivables_ageing(today=today)
    overdue_customers = {pk for pk, row in rows.items() if row.overdue > 0}
    for bucket in AGEING_BUCKETS[1:]:
        if any(row.buckets[bucket.key] > 0 for row in rows.values()):
            continue
        order = _paid_order_aged(bucket, today, exclude_customers=overdue_customers)
        if order is not None:
            _never_paid(order)
            overdue_customers.add(order.customer_id)
    rows = receivables_ageing(today=today)
    filled = [b.label for b in AGEING_BUCKETS if any(row.buckets[b.key] > 0 for row in rows.values())]
    return "、".join(filled) or "—"


def _paid_order_aged(bucket, today, *, exclude_customers: set[int]) -> Order | None:
    candidates = (Order.objects.filter(status__in=PAYMENT_DUE_STATUSES, refunds__isnull=True)
                  .exclude(customer_id__in=exclude_customers)
                  .annotate(due_from=Coalesce("delivered_at", "shipped_at")).select_related("customer").order_by("pk"))
    for order in candidates:
        payments = list(order.payments.all())
        if len(payments) != 1 or not payments[0].reference.startswith("银行流水") or payments[0].reversed_at:
            continue  # only a plain demo payment (none matched by the payment platforms)
        days = (today - (timezone.localdate(order.due_from) + timedelta(days=order.customer.payment_terms_days))).days
        if days >= bucket.min_days and (bucket.max_days is None or days <= bucket.max_days):
            return order
    return None


def _never_paid(order: Order) -> None:
    """Reverse the order's demo payment through the service, dated as the bank's return of it
    would be: a couple of days after it was booked."""
    payment = payment_reverse(payment=order.payments.get(), user=None, reason=NEVER_RECEIVED)
    returned_at = min(payment.paid_at + BOUNCED_AFTER, timezone.now() - timedelta(hours=1))
    Payment.objects.filter(pk=payment.pk).update(reversed_at=returned_at)
    OrderEvent.objects.filter(order=order, action="payment_reversed").update(created_at=returned_at)
