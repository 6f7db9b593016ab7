"""Retention of personal data (个人信息保护法 第19条: kept no longer than needed).

Two rules, both 主管 policies (ordermgmt/policies.py):

* an order archived (已完成 / 已关闭 / 已取消) more than ``archived_order_retention_years`` ago
  loses its receiver's name, phone, e-mail and street address (and their blind indexes);
  the apps holding more about the same order (notices sent, signatures) blank theirs on
  ``OrdersAnonymised``;
* a customer without any order for ``inactive_customer_retention_years`` has its people
  erased through the data-subject erasure (customers/personal_data.py), recorded as a
  ``DataSubjectRequest`` with the reason “保存期限到期”.

Amounts, invoices, payments, province and city stay: they are accounting records with their
own legal retention, and the reports read them. ``retention_plan`` says what would be done
(the dry run the 主管 sees); ``retention_apply`` does exactly that, in batches of one short
transaction each, every batch re-checking its rows under lock so that a second run, or two
at once, anonymise nothing twice.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Case, Exists, F, Min, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from customers.models import Customer, DataSubjectRequest
from customers.personal_data import ERASED, erase_personal_data
from ordermgmt.domain_events import publish
from ordermgmt.errors import ActionForbidden, BusinessError
from ordermgmt.policies import ARCHIVED_ORDER_RETENTION_YEARS, INACTIVE_CUSTOMER_RETENTION_YEARS, get_policy

from ..domain_events import OrdersAnonymised
from ..models import FINAL_STATUSES, OPEN_STATUSES, Order, OrderStatus, RetentionRun

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
SAMPLE_SIZE = 20
RETENTION_REASON = "保存期限到期"  # stored on the DataSubjectRequest (data, not UI: not translated)
PERMISSION = "customers.handle_data_request"

# When an order was archived: its completion, its cancellation, or (closed) its last change of state.
ARCHIVED_AT = Case(
    When(status=OrderStatus.COMPLETED, then=Coalesce(F("completed_at"), F("status_changed_at"))),
    When(status=OrderStatus.CANCELLED, then=Coalesce(F("cancelled_at"), F("status_changed_at"))),
    default=F("status_changed_at"),
)


@dataclass
class RetentionPlan:
    now: datetime
    orders_archived_before: datetime
    customers_inactive_since: datetime
    order_count: int = 0
    customer_count: int = 0
    oldest_order_archived_at: datetime | None = None
    oldest_customer_last_order_at: datetime | None = None
    sample_orders: list[dict] = field(default_factory=list)
    sample_customers: list[dict] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.order_count or self.customer_count)


def _cutoffs(now: datetime) -> tuple[datetime, datetime]:
    return (now - relativedelta(years=get_policy(ARCHIVED_ORDER_RETENTION_YEARS)),
            now - relativedelta(years=get_policy(INACTIVE_CUSTOMER_RETENTION_YEARS)))


def expired_orders(orders_archived_before: datetime) -> QuerySet:
    """Archived orders past their keeping time whose receiver is still on record."""
    return (Order.objects.filter(status__in=FINAL_STATUSES, anonymised_at__isnull=True)
            .alias(archived_at=ARCHIVED_AT).filter(archived_at__lt=orders_archived_before))


def inactive_customers(customers_since: datetime) -> QuerySet:
    """Customers known since before the cut-off, without an order since, none still open, and
    not erased since their last order (a second run finds nothing left to do)."""
    orders = Order.objects.filter(customer=OuterRef("pk"))
    last_order_at = Subquery(orders.order_by("-created_at").values("created_at")[:1])
    erased_since = DataSubjectRequest.objects.filter(
        customer=OuterRef("pk"), kind=DataSubjectRequest.Kind.ERASE,
        handled_at__gte=Coalesce(OuterRef("last_order_at"), OuterRef("created_at")),
    )
    return (Customer.objects.filter(created_at__lt=customers_since)
            .annotate(last_order_at=last_order_at)
            .exclude(Exists(orders.filter(created_at__gte=customers_since)))
            .exclude(Exists(orders.filter(status__in=OPEN_STATUSES)))
            .exclude(Exists(erased_since)))


def retention_plan(*, now: datetime | None = None) -> RetentionPlan:
    """What ``retention_apply`` would anonymise now: counts, the oldest, a sample of each."""
    now = now or timezone.now()
    orders_before, customers_since = _cutoffs(now)
    plan = RetentionPlan(now=now, orders_archived_before=orders_before, customers_inactive_since=customers_since)
    orders = expired_orders(orders_before).annotate(archived_at=ARCHIVED_AT)
    summary = orders.aggregate(oldest=Min("archived_at"))
    plan.order_count = orders.count()
    plan.oldest_order_archived_at = summary["oldest"]
    plan.sample_orders = list(orders.order_by("archived_at", "pk").values(
        "number", "status", "archived_at", "customer__code", "customer__name")[:SAMPLE_SIZE])
    for row in plan.sample_orders:
        row["status_label"] = OrderStatus(row["status"]).label
    customers = inactive_customers(customers_since)
    plan.customer_count = customers.count()
    plan.sample_customers = list(customers.order_by(F("last_order_at").asc(nulls_first=True), "pk").values(
        "pk", "code", "name", "last_order_at")[:SAMPLE_SIZE])
    plan.oldest_customer_last_order_at = min(
        (row["last_order_at"] for row in plan.sample_customers if row["last_order_at"]), default=None)
    return plan


def retention_apply(*, user, now: datetime | None = None) -> RetentionRun:
    """Anonymise what ``retention_plan(now=now)`` lists; ``user=None`` is the monthly job."""
    if user is not None and not user.has_perm(PERMISSION):
        raise ActionForbidden(gettext("只有主管可以执行个人信息匿名化"))
    now = now or timezone.now()
    orders_before, customers_since = _cutoffs(now)
    counts: dict[str, int] = {}
    orders = _anonymise_expired_orders(orders_before, now, counts)
    customers = _erase_inactive_customers(customers_since, user, counts)
    run = RetentionRun.objects.create(ran_by=user, orders_archived_before=orders_before,
                                      customers_inactive_since=customers_since, orders=orders,
                                      customers=customers, counts=counts)
    logger.info("Retention run %s: %s orders and %s customers anonymised (%s)", run.pk, orders, customers, counts)
    return run


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for name, number in more.items():
        counts[name] = counts.get(name, 0) + number


def _anonymise_expired_orders(orders_before: datetime, now: datetime, counts: dict[str, int]) -> int:
    total = 0
    while True:
        with transaction.atomic():
            # Locked and re-checked: a concurrent run skips what this one holds and finds it done.
            ids = list(expired_orders(orders_before).select_for_update(skip_locked=True, of=("self",))
                       .order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
            if not ids:
                return total
            updated = Order.objects.filter(pk__in=ids).update(
                contact_name=ERASED, contact_phone="", contact_email="", ship_address="",
                contact_name_index="", contact_phone_index="", anonymised_at=now,
            )
            publish(OrdersAnonymised(order_ids=tuple(ids)))
        total += updated
        _add(counts, {"orders": updated})


def _erase_inactive_customers(customers_since: datetime, user, counts: dict[str, int]) -> int:
    erased = 0
    skipped: set[int] = set()
    while True:
        batch = list(inactive_customers(customers_since).exclude(pk__in=skipped)
                     .order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
        if not batch:
            return erased
        for customer_id in batch:
            try:
                sections = _erase_customer(customer_id, customers_since, user)
            except BusinessError as refused:  # an order reopened meanwhile: its receiver is needed
                logger.warning("Retention: customer %s kept (%s)", customer_id, refused)
                sections = None
            if sections is None:
                skipped.add(customer_id)
                continue
            _add(counts, {f"customers.{name}": number for name, number in sections.items()})
            erased += 1


@transaction.atomic
def _erase_customer(customer_id: int, customers_since: datetime, user) -> dict[str, int] | None:
    """The customer's people erased, as a data-subject erasure recorded with the reason
    “保存期限到期”; ``None`` when an order arrived, or another run erased it, since the batch
    was read."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if not inactive_customers(customers_since).filter(pk=customer_id).exists():
        return None
    sections = erase_personal_data(customer)
    DataSubjectRequest.objects.create(customer=customer, kind=DataSubjectRequest.Kind.ERASE,
                                      reason=RETENTION_REASON, handled_by=user, sections=sections)
    return sections
