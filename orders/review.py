"""The automatic review of an order: named checks, each with a result and its figures.

Pure reads: nothing here writes. ``orders.services.order_auto_review`` stores the outcomes,
decides what holds the order, and approves it when nothing does.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.phones import is_valid_phone
from inventory.services import order_shortages
from ordermgmt.money import format_yuan, to_money
from ordermgmt.policies import (
    DUPLICATE_WINDOW_HOURS,
    MANUAL_REVIEW_THRESHOLD,
    MAX_MANUAL_DISCOUNT_PERCENT,
    get_policy,
)

from .models import BALANCE_DUE, CheckResult, InvoiceType, Order, OrderStatus, ReviewCheck
from .pricing import price_check_problems

Name = ReviewCheck.Name

# Checks a 主管 may override (release) with a reason; the others must be fixed by editing.
OVERRIDABLE = {Name.CREDIT, Name.OVERDUE, Name.PRICE}

PAYMENT_DUE_STATUSES = [
    OrderStatus.CLOSED,
    OrderStatus.SHIPPED,
    OrderStatus.IN_TRANSIT,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.AFTER_SALES,
]


@dataclass
class CheckOutcome:
    name: str
    result: str
    message: str
    figures: dict = field(default_factory=dict)
    needs_override: bool = False


def check_stock(order: Order) -> CheckOutcome:
    shortages = order_shortages(order=order)
    if not shortages:
        return CheckOutcome(Name.STOCK, CheckResult.PASS, "库存充足，所有商品行可立即分配")
    figures = {
        "short_lines": [
            {"line": s.line_no, "sku": s.sku, "required": s.required, "available": s.available, "missing": s.missing}
            for s in shortages
        ]
    }
    detail = "；".join(str(s) for s in shortages)
    if order.is_custom:
        return CheckOutcome(Name.STOCK, CheckResult.PASS, f"定制订单，缺货部分将安排生产：{detail}", figures)
    return CheckOutcome(Name.STOCK, CheckResult.WARN, f"库存不足：{detail}", figures)


def open_receivables(customer, *, exclude_order: Order | None = None) -> Decimal:
    """What the customer still owes on their orders: the sum of each order's balance due
    (cancelled and rejected orders bill nothing; money paid in excess on one order is
    owed back to the customer, it does not pay another)."""
    orders = Order.objects.filter(customer=customer)
    if exclude_order is not None:
        orders = orders.exclude(pk=exclude_order.pk)
    total = orders.aggregate(due=Coalesce(Sum(BALANCE_DUE), Decimal("0")))["due"]
    return to_money(total)


def check_credit(order: Order) -> CheckOutcome:
    if order.is_replacement:
        return CheckOutcome(Name.CREDIT, CheckResult.PASS, f"换货订单（原订单 {order.replaces_order.number}），不另收费，免信用检查")
    customer = order.customer
    receivables = open_receivables(customer, exclude_order=order)
    exposure = receivables + order.balance_due
    figures = {
        "open_receivables": str(receivables),
        "this_order": str(order.balance_due),
        "exposure": str(exposure),
        "credit_limit": str(customer.credit_limit),
    }
    summary = (
        f"未结应收 {format_yuan(receivables)} + 本单 {format_yuan(order.balance_due)} = {format_yuan(exposure)}，"
        f"信用额度 {format_yuan(customer.credit_limit)}"
    )
    if exposure > customer.credit_limit:
        figures["excess"] = str(exposure - customer.credit_limit)
        return CheckOutcome(
            Name.CREDIT,
            CheckResult.BLOCK,
            f"信用额度不足：{summary}，超出 {format_yuan(exposure - customer.credit_limit)}。订单已冻结，需主管放行",
            figures,
        )
    return CheckOutcome(Name.CREDIT, CheckResult.PASS, f"额度内：{summary}", figures)


def overdue_orders(customer, *, now=None):
    """Orders past their payment terms with money still owed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=customer.payment_terms_days)
    return (
        Order.objects.filter(customer=customer, status__in=PAYMENT_DUE_STATUSES)
        .annotate(due_from=Coalesce("delivered_at", "shipped_at"), due=BALANCE_DUE)
        .filter(due_from__lt=cutoff, due__gt=0)
        .order_by("due_from")
    )


def check_overdue(order: Order) -> CheckOutcome:
    customer = order.customer
    overdue = list(overdue_orders(customer).exclude(pk=order.pk)[:50])
    if not overdue:
        return CheckOutcome(Name.OVERDUE, CheckResult.PASS, "无逾期欠款")
    amount = sum((o.balance_due for o in overdue), Decimal("0.00"))
    oldest = overdue[0]
    days = (timezone.now() - oldest.due_from).days - customer.payment_terms_days
    return CheckOutcome(
        Name.OVERDUE,
        CheckResult.WARN,
        f"逾期欠款：{len(overdue)} 笔订单超过账期 {customer.payment_terms_days} 天未付清，共 {format_yuan(amount)}"
        f"（最早 {oldest.number} 已逾期 {days} 天）。需主管批准",
        {"orders": [o.number for o in overdue], "amount": str(amount), "oldest_days_overdue": days},
        needs_override=True,
    )


def check_completeness(order: Order) -> CheckOutcome:
    problems = []
    if not (order.ship_province and order.ship_city):
        problems.append("收货地址缺少省或市")
    if len((order.ship_address or "").strip()) < 4:
        problems.append("详细地址过于简单，请补充街道和门牌号")
    if not order.contact_name.strip():
        problems.append("缺少联系人")
    if not is_valid_phone(order.contact_phone):
        problems.append(f"联系电话“{order.contact_phone}”不是有效的手机号或座机号")
    if order.invoice_type != InvoiceType.NONE and not order.invoice_title.strip():
        problems.append("开具发票但未填写发票抬头")
    if order.invoice_type == InvoiceType.SPECIAL and not order.customer.tax_number:
        problems.append("开具专票需要客户的纳税人识别号")
    if problems:
        return CheckOutcome(Name.COMPLETENESS, CheckResult.BLOCK, "资料不完整：" + "；".join(problems),
                            {"problems": problems})
    return CheckOutcome(Name.COMPLETENESS, CheckResult.PASS, "地址、电话、发票信息完整")


def line_signature(order: Order) -> tuple:
    return tuple(sorted((line.product_id, line.quantity) for line in order.lines.all()))


def check_duplicate(order: Order) -> CheckOutcome:
    hours = get_policy(DUPLICATE_WINDOW_HOURS)
    if order.is_replacement:
        return CheckOutcome(Name.DUPLICATE, CheckResult.PASS, "换货订单")
    window = timedelta(hours=hours)
    signature = line_signature(order)
    if not signature:
        return CheckOutcome(Name.DUPLICATE, CheckResult.PASS, "订单没有商品行")
    first_product, first_quantity = signature[0]
    # Narrow down in SQL (same customer, window, one identical line and the same number of
    # lines); compare the full line sets in Python only for the few left.
    candidates = (
        Order.objects.filter(
            customer=order.customer,
            created_at__gte=order.created_at - window,
            created_at__lte=order.created_at + window,
            lines__product_id=first_product,
            lines__quantity=first_quantity,
        )
        .exclude(pk=order.pk)
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(line_count=Count("lines", distinct=True))
        .filter(line_count=len(signature))
        .prefetch_related("lines")
    )
    twins = [other.number for other in candidates if line_signature(other) == signature]
    if twins:
        named = "、".join(twins[:5]) + (f" 等 {len(twins)} 张订单" if len(twins) > 5 else "")
        return CheckOutcome(
            Name.DUPLICATE,
            CheckResult.WARN,
            f"疑似重复订单：与 {named} 的客户、商品和数量完全相同（{hours} 小时内）",
            {"orders": twins, "window_hours": hours},
        )
    return CheckOutcome(Name.DUPLICATE, CheckResult.PASS, f"{hours} 小时内无相同订单")


def check_price(order: Order) -> CheckOutcome:
    if order.is_replacement:
        return CheckOutcome(Name.PRICE, CheckResult.PASS, "换货订单，不另收费")
    limit = get_policy(MAX_MANUAL_DISCOUNT_PERCENT)
    problems = price_check_problems(order, max_discount_percent=limit)
    manual = sum(1 for line in order.lines.all() if line.price_source == "manual")
    if problems:
        return CheckOutcome(Name.PRICE, CheckResult.WARN, "价格需主管批准：" + "；".join(problems),
                            {"problems": problems, "max_discount_percent": str(limit)}, needs_override=True)
    if manual:
        return CheckOutcome(Name.PRICE, CheckResult.PASS, f"{manual} 行手工改价，均在允许范围内（不低于最低售价，让利不超过 {limit}%）")
    return CheckOutcome(Name.PRICE, CheckResult.PASS, "全部按价格规则定价")


CHECKS = [check_completeness, check_credit, check_overdue, check_stock, check_duplicate, check_price]


def run_checks(order: Order) -> list[CheckOutcome]:
    return [check(order) for check in CHECKS]


def manual_review_reason(order: Order) -> str:
    """Why a person must look at this order even if every check passes ('' if nobody must)."""
    if order.is_replacement:
        return ""
    threshold = get_policy(MANUAL_REVIEW_THRESHOLD)
    reasons = []
    if order.total > threshold:
        reasons.append(f"订单金额 {format_yuan(order.total)} 超过人工审核阈值 {format_yuan(threshold)}")
    if order.is_custom:
        reasons.append("定制订单须人工审核")
    return "；".join(reasons)
