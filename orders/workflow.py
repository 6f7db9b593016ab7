"""How each order transition is presented and who works on which state.

The rules themselves (sources, targets, permissions, conditions) live on the
``Order`` model's django-fsm transitions; this module only adds what the portal needs:
labels, whether a reason is required, and the confirmation text.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext, gettext_lazy as _, gettext_noop

from customers.models import CustomerLevel

from .states import OrderStatus, OrderType


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    needs_reason: bool = False
    reason_optional_label: str = _("备注（可选）")
    confirm: str = ""
    style: str = "primary"
    condition_hint: str = ""
    reason_codes: tuple[str, ...] = ()
    # Shown on the order page as a button (False: fired by the system or another page).
    in_portal: bool = True
    # Normally done on the fulfillment desks (production orders, pick lists, shipments); the
    # button on the order page is a 主管's override, e.g. for a customer who collects.
    override_only: bool = False

    @property
    def button_label(self) -> str:
        if self.override_only:
            return gettext("%(action)s（主管直接操作）") % {"action": self.label}
        return self.label


OVERRIDE_CONFIRM = _(
    "此操作跳过生产单 / 拣货单 / 运单，订单将没有物流单号和签收凭证。"
    "仅用于客户自提等特殊情况，确定继续？"
)
OVERRIDE_PERMISSION = "orders.close_order"  # held by 主管 only

ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec("approve", _("审核通过")),
        ActionSpec(
            "reject", _("驳回"), needs_reason=True, style="danger",
            confirm=_("确定驳回该订单？订单将退回给录入人修改。"),
            # Submitted as the value of reason_code, checked against REJECTION_REASONS and stored
            # in the event: the Chinese codes themselves, only marked for translation (gettext_noop).
            reason_codes=(
                gettext_noop("地址模糊"), gettext_noop("商品缺货"), gettext_noop("信用不足"),
                gettext_noop("价格有误"), gettext_noop("其他"),
            ),
        ),
        ActionSpec("resubmit", _("重新提交审核")),
        ActionSpec("allocate", _("分配库存"), condition_hint=_("所有商品行的可用库存必须足够")),
        ActionSpec("return_to_review", _("退回重新审核"), needs_reason=True, in_portal=False),
        ActionSpec("start_production", _("安排生产"), condition_hint=_("只有定制订单需要生产"),
                   override_only=True, confirm=OVERRIDE_CONFIRM),
        ActionSpec("finish_production", _("生产完成入库"), condition_hint=_("成品入库后才能完成生产"),
                   override_only=True, confirm=OVERRIDE_CONFIRM),
        ActionSpec("ship", _("确认出库"), override_only=True, confirm=OVERRIDE_CONFIRM),
        ActionSpec("start_transit", _("开始配送"), override_only=True, confirm=OVERRIDE_CONFIRM),
        ActionSpec("deliver", _("确认交付"), override_only=True, confirm=OVERRIDE_CONFIRM),
        ActionSpec("complete", _("确认完成")),
        ActionSpec(
            "cancel", _("取消订单"), needs_reason=True, style="danger",
            confirm=_("确定取消该订单？已锁定的库存将被释放，此操作不可撤销。"),
        ),
        # After-sales cases open and close these (aftersales/services.py), not a button.
        ActionSpec("open_after_sales", _("发起售后"), needs_reason=True, style="secondary", in_portal=False),
        ActionSpec("cancel_after_shipping", _("发货后取消"), needs_reason=True, in_portal=False),
        ActionSpec("close_after_sales", _("结束售后"), in_portal=False),
        ActionSpec(
            "close", _("关闭订单"), needs_reason=True, style="danger",
            confirm=_("确定关闭该订单？关闭后订单归档为只读，不能再处理。"),
        ),
    ]
}


# The steps of the progress bar on the order page, in the order an order goes through them.
# A 定制 order is produced before its goods are allocated (生产完成入库 allocates them); a 现货
# order has no production step.
PROGRESS_STEPS: dict[str, tuple[str, ...]] = {
    OrderType.STOCK: (
        OrderStatus.PENDING_REVIEW, OrderStatus.APPROVED, OrderStatus.ALLOCATED, OrderStatus.SHIPPED,
        OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.COMPLETED,
    ),
    OrderType.CUSTOM: (
        OrderStatus.PENDING_REVIEW, OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.ALLOCATED,
        OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.COMPLETED,
    ),
}
# A rejected order waits to be fixed and resubmitted: it stands at the review step.
PROGRESS_STEP_OF = {OrderStatus.REJECTED: OrderStatus.PENDING_REVIEW}


@dataclass(frozen=True)
class QueueRule:
    """Orders in ``statuses`` (optionally only of ``order_type``) wait for holders of ``permission``."""

    permission: str
    statuses: tuple[str, ...]
    order_type: str | None = None
    own_only: bool = False
    extra: str = ""  # name of an extra filter in orders.selectors.QUEUE_EXTRA_FILTERS


@dataclass(frozen=True)
class QueuePriority:
    """How every queue ranks orders. The points an order earns add up into its priority
    score (``Order.priority_score``, see ``services.priority_score``); a queue shows the
    highest score first and, among equal scores, the order waiting longest. The sentence
    above the queue is written from these same figures."""

    urgent: int
    customer_level: dict[str, int]
    per_amount: Decimal  # one point for each full amount of this much in the order total…
    amount_cap: int  # …up to this many points
    exchange: int

    def explanation(self) -> str:
        levels = gettext("、").join(
            gettext("%(level)s客户 +%(points)s") % {"level": CustomerLevel(level).label, "points": points}
            for level, points in self.customer_level.items()
        )
        parts = [
            gettext("加急 +%(points)s") % {"points": self.urgent},
            levels,
            gettext("订单金额每 ¥%(amount)s +1（最多 +%(cap)s）") % {"amount": f"{self.per_amount:,}", "cap": self.amount_cap},
            gettext("换货订单 +%(points)s") % {"points": self.exchange},
        ]
        return gettext(
            "等待您的角色处理的订单按优先级分值从高到低排列，分值相同的按等待时间从长到短。分值：%(parts)s。"
        ) % {"parts": gettext("；").join(parts)}


# 加急 outweighs any customer level and amount, so a large order of an ordinary customer
# never overtakes an urgent one; an exchange (换货) makes good on a promise already broken
# once and goes ahead of everything.
QUEUE_PRIORITY = QueuePriority(
    urgent=1000,
    customer_level={CustomerLevel.VIP: 300, CustomerLevel.IMPORTANT: 150},
    per_amount=Decimal("1000"),
    amount_cap=200,
    exchange=2000,
)


# 审核员 see orders that need a person; those still held by a credit block or overdue debt
# wait for a 主管 first (the manager's queue below).
QUEUE_RULES = [
    QueueRule("orders.review_order", (OrderStatus.PENDING_REVIEW,), extra="reviewable"),
    QueueRule("orders.override_review_check", (OrderStatus.PENDING_REVIEW,), extra="held"),
    QueueRule("orders.allocate_order", (OrderStatus.APPROVED,), order_type=OrderType.STOCK),
    QueueRule("orders.produce_order", (OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION), order_type=OrderType.CUSTOM),
    QueueRule("orders.ship_order", (OrderStatus.ALLOCATED,)),
    QueueRule("orders.track_order", (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT)),
    QueueRule("orders.complete_order", (OrderStatus.DELIVERED,)),
    QueueRule("orders.handle_after_sales", (OrderStatus.AFTER_SALES,)),
    QueueRule("orders.change_order", (OrderStatus.REJECTED,), own_only=True),
]
