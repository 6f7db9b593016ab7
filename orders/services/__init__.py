"""Every write to an order goes through a function of this package.

Each function runs in one transaction, locks the order row, fires the django-fsm
transition (which only guards and changes the status), saves, writes the timeline
event, and queues side effects with ``transaction.on_commit``. ``user=None`` means the
system itself (shown as “系统” on the timeline) and skips the role check.

The modules: ``entry`` (enter, edit, copy, many at once), ``batches`` (the automatic review
and FIFO allocation of a batch of orders — or of one — with set-based reads, bulk writes and
orders claimed with SKIP LOCKED), ``reviewing`` (approval, 驳回, overrides), ``allocation``
(the 分配库存 button, production, shipping), ``lifecycle``
(transit to close, cancellation, after-sales), ``settlement`` (payments and their reversal, refunds
and their approval by 财务), ``credits`` (customer credit, opening receivables, compensations) and
``price_rules``. Callers import from ``orders.services``.
"""

from .allocation import (
    order_allocate,
    order_finish_production,
    order_ship,
    order_start_production,
)
from .batches import (
    AWAITING_REVIEW,
    AWAITING_STOCK,
    AllocationOutcome,
    BatchResult,
    order_auto_review,
    order_try_allocate,
    orders_allocate_if_waiting,
    orders_allocate_waiting,
    orders_review_backlog,
    orders_review_batch,
)
from .common import STAGE_TIMESTAMPS, priority_score
from .entry import (
    DETAIL_FIELDS,
    EDITABLE_AFTER_APPROVAL,
    MATERIAL_FIELDS,
    LineInput,
    NewCustomer,
    NewOrder,
    OrderDetails,
    order_copy,
    order_create,
    order_create_many,
    order_place,
    order_update,
)
from .lifecycle import (
    order_cancel,
    order_cancel_after_shipping,
    order_close,
    order_close_after_sales,
    order_complete,
    order_deliver,
    order_open_after_sales,
    order_start_transit,
)
from .price_rules import price_rule_deactivate, price_rule_save
from .reviewing import (
    REJECTION_REASONS,
    order_approve,
    order_override_check,
    order_reject,
    order_resubmit,
)
from .retention import RetentionPlan, retention_apply, retention_plan
from .settlement import payment_record, payment_reverse, refund_approve, refund_decline, refund_record
from .credits import (
    customer_credit_add,
    customer_credit_apply,
    customer_credit_balance,
    opening_receivable_set,
    opening_receivable_settle,
    order_compensate,
)

# The portal's action buttons, by transition name.
SERVICES = {
    "approve": order_approve,
    "reject": order_reject,
    "resubmit": order_resubmit,
    "allocate": order_allocate,
    "start_production": order_start_production,
    "finish_production": order_finish_production,
    "ship": order_ship,
    "start_transit": order_start_transit,
    "deliver": order_deliver,
    "complete": order_complete,
    "cancel": order_cancel,
    "open_after_sales": order_open_after_sales,
    "close_after_sales": order_close_after_sales,
    "close": order_close,
}

__all__ = [
    "AWAITING_REVIEW", "AWAITING_STOCK", "AllocationOutcome", "BatchResult", "orders_allocate_if_waiting",
    "orders_review_backlog", "orders_review_batch", "DETAIL_FIELDS", "EDITABLE_AFTER_APPROVAL", "LineInput", "MATERIAL_FIELDS", "NewCustomer", "NewOrder",
    "OrderDetails", "REJECTION_REASONS", "SERVICES", "STAGE_TIMESTAMPS", "order_allocate", "order_approve",
    "order_auto_review", "order_cancel", "order_cancel_after_shipping", "order_close", "order_close_after_sales", "order_complete", "order_copy",
    "order_create", "order_create_many", "order_deliver", "order_finish_production", "order_open_after_sales",
    "order_override_check", "order_place", "order_reject", "order_resubmit", "order_ship", "order_start_production",
    "order_start_transit", "order_try_allocate", "order_update", "orders_allocate_waiting", "payment_record", "price_rule_deactivate",
    "price_rule_save", "priority_score", "refund_record", "payment_reverse", "refund_approve", "refund_decline",
    "customer_credit_add", "customer_credit_apply", "customer_credit_balance", "opening_receivable_set",
    "opening_receivable_settle", "order_compensate", "RetentionPlan", "retention_apply", "retention_plan",
]
