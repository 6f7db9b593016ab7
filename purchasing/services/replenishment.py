"""Replenishment proposals: made by the daily job, accepted (→ purchase request or transfer),
edited or dismissed by a 主管."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from inventory.models import Warehouse
from inventory.services.purchase_requests import purchase_request_raise_for_stock
from inventory.services.transfers import transfer_create
from ordermgmt.errors import ActionForbidden, InvalidInput

from .. import selectors
from ..models import ProposalKind, ProposalState, ReplenishmentProposal, ReplenishmentRule


@dataclass(frozen=True)
class Need:
    """What one rule asks for today."""

    rule: ReplenishmentRule
    projected: int
    reorder_point: int
    quantity: int
    daily_demand: Decimal
    lead_time_days: int


def _reorder_quantity(rule: ReplenishmentRule, projected: int, reorder_point: int) -> int:
    if rule.max_stock is not None:
        return max(rule.max_stock - projected, 0)
    return max(rule.reorder_quantity, reorder_point - projected)


def replenishment_needs(*, today: date, rules: list[ReplenishmentRule],
                        stock: dict[tuple[int, int], selectors.ProjectedStock]) -> list[Need]:
    """The rules whose projected stock (``stock``: ``selectors.projected_stock`` of their
    products) is below their reorder point, with what to order."""
    product_ids = {rule.product_id for rule in rules}
    demand = selectors.average_daily_demand(today=today, product_ids=product_ids)
    lead_times = selectors.lead_times(product_ids)
    needs = []
    for rule in rules:
        key = (rule.product_id, rule.warehouse_id)
        daily = demand.get(key, Decimal("0"))
        lead = lead_times.get(rule.product_id, selectors.DEFAULT_LEAD_TIME_DAYS)
        point = rule.reorder_point
        if point is None:
            point = selectors.suggested_reorder_point(daily_demand=daily, lead_time_days=lead,
                                                      safety_stock=rule.safety_stock)
        projected = stock.get(key, selectors.ProjectedStock()).projected
        quantity = _reorder_quantity(rule, projected, point)
        if projected < point and quantity > 0:
            needs.append(Need(rule, projected, point, quantity, daily.quantize(Decimal("0.01")), lead))
    return needs


def _excess_source(need: Need, stock_by_warehouse: dict, points: dict,
                   sellable: dict[int, Warehouse]) -> Warehouse | None:
    """A warehouse that can spare the whole quantity and stay at or above its own reorder point.

    ``stock_by_warehouse`` and ``points`` are the product's, by warehouse id; ``sellable`` the
    active, non-quarantine warehouses."""
    best, best_excess = None, 0
    for warehouse_id, figures in stock_by_warehouse.items():
        if warehouse_id == need.rule.warehouse_id:
            continue
        spare = min(figures.on_hand - figures.allocated, figures.projected - points.get(warehouse_id, 0))
        if spare >= need.quantity and spare > best_excess:
            best, best_excess = warehouse_id, spare
    return sellable.get(best)


@transaction.atomic
def replenishment_propose(*, today: date | None = None) -> list[ReplenishmentProposal]:
    """The daily job: for each rule below its reorder point, one open proposal per product and
    warehouse (updated if one is open already; none again the day one was dismissed); open
    proposals no longer needed close. A transfer when another warehouse has the excess, else
    a purchase."""
    today = today or timezone.localdate()
    rules = list(selectors.replenishment_rules())
    # Read once: the needs and the warehouses that could spare stock are judged on the same figures.
    stock = selectors.projected_stock({rule.product_id for rule in rules})
    needs = replenishment_needs(today=today, rules=rules, stock=stock)
    _close_stale({(need.rule.product_id, need.rule.warehouse_id) for need in needs})
    if not needs:
        return []
    stock_by_product: dict[int, dict[int, selectors.ProjectedStock]] = defaultdict(dict)
    for (product_id, warehouse_id), figures in stock.items():
        stock_by_product[product_id][warehouse_id] = figures
    points_by_product: dict[int, dict[int, int]] = defaultdict(dict)
    for need in needs:
        points_by_product[need.rule.product_id][need.rule.warehouse_id] = need.reorder_point
    sellable = {w.pk: w for w in Warehouse.objects.filter(is_active=True, is_quarantine=False)}
    dismissed_today = set(ReplenishmentProposal.objects.filter(
        state=ProposalState.DISMISSED, decided_at__date=today).values_list("product_id", "warehouse_id"))
    made = []
    for need in needs:
        key = (need.rule.product_id, need.rule.warehouse_id)
        if key in dismissed_today:
            continue
        source = _excess_source(need, stock_by_product[key[0]], points_by_product[key[0]], sellable)
        proposal, _ = ReplenishmentProposal.objects.select_for_update().update_or_create(
            product_id=key[0], warehouse_id=key[1], state=ProposalState.OPEN,
            defaults={
                "kind": ProposalKind.TRANSFER if source else ProposalKind.PURCHASE, "source_warehouse": source,
                "quantity": need.quantity, "projected_stock": need.projected, "reorder_point": need.reorder_point,
                "average_daily_demand": need.daily_demand, "lead_time_days": need.lead_time_days,
                "created_at": timezone.now(),
            },
        )
        made.append(proposal)
    return made


@transaction.atomic
def replenishment_rule_set(*, user, product, warehouse: Warehouse, safety_stock: int, reorder_point: int | None,
                           reorder_quantity: int, max_stock: int | None) -> ReplenishmentRule:
    """The 主管 sets the stock levels of a product in a warehouse (one rule per pair)."""
    if user is None or not user.has_perm("purchasing.change_replenishmentrule"):
        raise ActionForbidden("只有主管可以维护补货规则")
    if warehouse.is_quarantine:
        raise InvalidInput("隔离仓不补货")
    if max_stock is not None and reorder_point is not None and max_stock < reorder_point:
        raise InvalidInput(f"最高库存 {max_stock} 不能低于再订货点 {reorder_point}")
    if max_stock is None and not reorder_quantity:
        raise InvalidInput("请填写再订货量，或填写最高库存（补到最高）")
    rule, _ = ReplenishmentRule.objects.update_or_create(
        product=product, warehouse=warehouse,
        defaults={"safety_stock": safety_stock or 0, "reorder_point": reorder_point,
                  "reorder_quantity": reorder_quantity or 0, "max_stock": max_stock},
    )
    return rule


def _close_stale(still_needed: set[tuple[int, int]]) -> None:
    """Open proposals whose warehouse no longer needs stock (goods arrived, demand fell, the
    rule changed) close themselves."""
    stale = [p.pk for p in ReplenishmentProposal.objects.select_for_update().filter(state=ProposalState.OPEN)
             if (p.product_id, p.warehouse_id) not in still_needed]
    if stale:
        ReplenishmentProposal.objects.filter(pk__in=stale).update(
            state=ProposalState.DISMISSED, decided_at=timezone.now(), note="预计库存已不低于再订货点，自动关闭")


def _lock_open(proposal: ReplenishmentProposal, user) -> ReplenishmentProposal:
    if user is None or not user.has_perm("purchasing.change_replenishmentproposal"):
        raise ActionForbidden("只有主管可以处理补货建议")
    locked = ReplenishmentProposal.objects.select_for_update().select_related("product", "warehouse").get(pk=proposal.pk)
    if locked.state != ProposalState.OPEN:
        raise InvalidInput(f"该补货建议已{locked.get_state_display()}")
    return locked


@transaction.atomic
def proposal_update(*, proposal: ReplenishmentProposal, user, quantity: int, kind: str = "",
                    source_warehouse: Warehouse | None = None) -> ReplenishmentProposal:
    """The 主管 changes the quantity, or purchase ↔ transfer (a transfer names where from)."""
    locked = _lock_open(proposal, user)
    if quantity is None or quantity <= 0:
        raise InvalidInput("建议数量必须是正整数")
    kind = kind or locked.kind
    if kind == ProposalKind.TRANSFER:
        source_warehouse = source_warehouse or locked.source_warehouse
        if source_warehouse is None or source_warehouse.pk == locked.warehouse_id:
            raise InvalidInput("调拨须选择另一个调出仓库")
    else:
        source_warehouse = None
    locked.quantity, locked.kind, locked.source_warehouse = quantity, kind, source_warehouse
    locked.save(update_fields=["quantity", "kind", "source_warehouse"])
    return locked


@transaction.atomic
def proposal_accept(*, proposal: ReplenishmentProposal, user) -> ReplenishmentProposal:
    """采纳: a purchase request (then bought with a purchase order) or a 草稿 transfer order
    (the warehouse ships it; in transit it counts for the destination)."""
    locked = _lock_open(proposal, user)
    note = (f"补货建议：{locked.warehouse.name} 预计库存 {locked.projected_stock}，"
            f"低于再订货点 {locked.reorder_point}")
    if locked.kind == ProposalKind.TRANSFER:
        locked.transfer = transfer_create(source=locked.source_warehouse, destination=locked.warehouse,
                                          lines=[(locked.product, locked.quantity)], user=user, note=note)
    else:
        locked.purchase_request = purchase_request_raise_for_stock(product=locked.product, quantity=locked.quantity,
                                                                   user=user, note=note)
    locked.state, locked.decided_by, locked.decided_at = ProposalState.ACCEPTED, user, timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at", "purchase_request", "transfer"])
    return locked


@transaction.atomic
def proposal_dismiss(*, proposal: ReplenishmentProposal, user, reason: str = "") -> ReplenishmentProposal:
    """忽略: not proposed again today; tomorrow's run looks again."""
    locked = _lock_open(proposal, user)
    locked.state, locked.decided_by, locked.decided_at = ProposalState.DISMISSED, user, timezone.now()
    if reason.strip():
        locked.note = reason.strip()[:300]
    locked.save(update_fields=["state", "decided_by", "decided_at", "note"])
    return locked
