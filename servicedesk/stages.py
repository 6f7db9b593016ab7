"""Stage monitoring, as one table: for each stage an order stands at, how long it may stand
there (a policy, in working time — see ordermgmt.workdays) or what makes it late (a plan
date, a due date), and what is checked. ``stage_candidates`` answers, per rule, which orders
are past it now; services/monitoring.py raises and clears the flags."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Exists, Min, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales.models import ENDED as CASE_ENDED
from aftersales.models import AfterSalesCase
from fulfillment.models import ProductionOrder, ShipmentEvent
from ordermgmt import policies
from ordermgmt.policies import PolicyDef
from ordermgmt.workdays import working_day_length, working_time_before
from orders.models import Order, OrderStatus, OrderType


def _threshold(key: str, label, default: int, unit: str, help_text) -> PolicyDef:
    maximum = 24 * 30 if unit == "hours" else 60
    return policies.register(PolicyDef(key, label, int, default, minimum=1, maximum=maximum, help_text=help_text,
                                       group="订单监控"))


@dataclass(frozen=True)
class StageRule:
    stage: str
    what: str  # what the flag says, e.g. 待审核超过时限
    unit: str  # "hours" / "days" of working time from the status change, or "plan" / "due"
    policy: PolicyDef | None = None
    # Orders in the stage that are not waiting for what the rule watches.
    exclude: Callable[[QuerySet], QuerySet] | None = None

    @property
    def label(self) -> str:
        return str(OrderStatus(self.stage).label)

    def threshold(self) -> timedelta | None:
        if self.policy is None:
            return None
        value = policies.get_policy(self.policy)
        return timedelta(hours=value) if self.unit == "hours" else value * working_day_length()

    def limit_text(self) -> str:
        if self.policy is None:
            return str(self.what)
        value = policies.get_policy(self.policy)
        if self.unit == "hours":
            return ngettext("%(n)s 个工作小时", "%(n)s 个工作小时", value) % {"n": value}
        return ngettext("%(n)s 个工作日", "%(n)s 个工作日", value) % {"n": value}


def _with_carrier_news(orders: QuerySet) -> QuerySet:
    news = ShipmentEvent.objects.filter(shipment__order=OuterRef("pk"), occurred_at__gte=OuterRef("status_changed_at"))
    return orders.filter(Exists(news))


STAGE_RULES: list[StageRule] = [
    StageRule(OrderStatus.PENDING_REVIEW, _("待审核超过时限"), "hours", _threshold(
        "stage_pending_review_hours", _("待审核停留时限(工作小时)"), 4, "hours",
        _("订单提交后超过这么多工作小时仍未审核（或未被主管放行），标记为超时并通知审核员"))),
    StageRule(OrderStatus.REJECTED, _("驳回后未修改提交"), "days", _threshold(
        "stage_rejected_days", _("已驳回待修改时限(工作日)"), 2, "days",
        _("订单被驳回后超过这么多工作日仍未修改重新提交，通知录入人和负责人"))),
    StageRule(OrderStatus.APPROVED, _("已审核未分配库存或未开工"), "days", _threshold(
        "stage_approved_days", _("已审核待分配/待生产时限(工作日)"), 2, "days",
        _("审核通过后超过这么多工作日仍未分配库存（缺货）或未安排生产"))),
    StageRule(OrderStatus.IN_PRODUCTION, _("生产落后于计划"), "plan"),
    StageRule(OrderStatus.ALLOCATED, _("已分配未拣货出库"), "days", _threshold(
        "stage_allocated_days", _("已分配待出库时限(工作日)"), 1, "days",
        _("库存分配后超过这么多工作日仍未拣货出库"))),
    StageRule(OrderStatus.SHIPPED, _("出库后无承运商物流信息"), "days", _threshold(
        "stage_shipped_days", _("已出库无物流信息时限(工作日)"), 1, "days",
        _("出库后超过这么多工作日承运商仍没有任何物流信息")), exclude=_with_carrier_news),
    StageRule(OrderStatus.IN_TRANSIT, _("配送时间过长"), "days", _threshold(
        "stage_in_transit_days", _("配送中时限(工作日)"), 5, "days",
        _("开始配送后超过这么多工作日仍未签收"))),
    StageRule(OrderStatus.DELIVERED, _("交付后未确认完成"), "days", _threshold(
        "stage_delivered_days", _("已交付待确认完成时限(工作日)"), 7, "days",
        _("交付后超过这么多工作日客服仍未确认完成"))),
    StageRule(OrderStatus.AFTER_SALES, _("售后工单超过处理时限"), "due"),
]
RULES_BY_STAGE = {rule.stage: rule for rule in STAGE_RULES}


@dataclass(frozen=True)
class Candidate:
    since: datetime
    detail: str


def stage_candidates(rule: StageRule, now: datetime) -> dict[int, Candidate]:
    """The orders past ``rule`` at ``now``: {order id: since when, and what is late}."""
    if rule.unit == "plan":
        return _late_production(now)
    if rule.unit == "due":
        return _overdue_after_sales(now)
    cutoff = working_time_before(now, rule.threshold())
    orders = Order.objects.filter(status=rule.stage, status_changed_at__lt=cutoff)
    if rule.exclude is not None:
        orders = orders.exclude(pk__in=rule.exclude(Order.objects.filter(status=rule.stage)).values("pk"))
    limit = rule.limit_text()
    return {
        pk: Candidate(since, f"{rule.what}：在“{rule.label}”已超过 {limit}（自 {timezone.localtime(since):%m-%d %H:%M}）")
        for pk, since in orders.values_list("pk", "status_changed_at")
    }


def _late_production(now: datetime) -> dict[int, Candidate]:
    today = timezone.localdate(now)
    late = (
        ProductionOrder.objects.late(today).filter(order__status=OrderStatus.IN_PRODUCTION,
                                                   order__order_type=OrderType.CUSTOM)
        .values("order").annotate(finish=Min("planned_finish"), start=Min("planned_start"))
    )
    found = {}
    zone = timezone.get_current_timezone()
    for row in late:
        day = row["finish"] if row["finish"] and row["finish"] < today else row["start"]
        found[row["order"]] = Candidate(
            datetime.combine(day, time.max, tzinfo=zone),
            f"生产落后于计划：计划 {day:%Y-%m-%d} {'完工' if day == row['finish'] else '开工'}",
        )
    return found


def _overdue_after_sales(now: datetime) -> dict[int, Candidate]:
    rows = (
        AfterSalesCase.objects.exclude(status__in=CASE_ENDED).filter(due_at__lt=now,
                                                                     order__status=OrderStatus.AFTER_SALES)
        .values("order").annotate(due=Min("due_at"))
    )
    return {
        row["order"]: Candidate(row["due"], f"售后工单超过处理时限（{timezone.localtime(row['due']):%m-%d %H:%M}）")
        for row in rows
    }
