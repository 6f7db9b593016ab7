"""What the service desk does when lower apps announce something (see
``ordermgmt.domain_events``).

An order's move clears its stage flag and tells whoever must act now in the order's own
transaction: both are a few rows that stand or fall with the move (nobody is told of a move
that was rolled back), and most moves concern nobody (not 加急, not 驳回), which a listener
after commit would still pay a durable delivery for, on every move of every order. A notice
that failed for good is told after commit (it happens in a worker, rarely). Each
notification is idempotent by its key: an event delivered again tells nobody twice."""

from django.urls import reverse

from fulfillment.domain_events import CustomerNoticeFailed
from integrations.domain_events import WebhookSubscriptionDisabled
from ordermgmt.domain_events import Phase, subscribe
from orders.domain_events import OrderCreated, OrderStatusChanged
from orders.models import OrderStatus, Priority
from orders.workflow import QUEUE_RULES
from purchasing.domain_events import PurchaseOrderAwaitingApproval, SupplierQualificationExpiring

from . import notice_kinds as kinds
from .audience import managers, order_people, permission_holders, stage_handlers
from .services import staff_notify


# The stages somebody works on (the queue rules of orders.workflow).
QUEUED_STATUSES = {status for rule in QUEUE_RULES for status in rule.statuses}


def _order_link(order) -> str:
    return reverse("orders:detail", args=[order.number])


def _tell_of_an_urgent_order(order, user) -> None:
    """A 加急 order new in one's queue: told once per order and person (an order approved and
    allocated in one step reaches the warehouse once, not twice)."""
    staff_notify(users=stage_handlers(order), kind=kinds.URGENT_ORDER, exclude=user, link=_order_link(order),
                 text=f"加急订单 {order.number}（{order.customer.name}，{order.total:,.2f} 元）进入您的待办",
                 key=f"urgent_order:{order.pk}")


@subscribe(OrderCreated, phase=Phase.IN_TRANSACTION)
def tell_reviewers_of_an_urgent_order(event: OrderCreated) -> None:
    order = event.order
    if order.priority == Priority.URGENT and order.status == OrderStatus.PENDING_REVIEW:
        _tell_of_an_urgent_order(order, event.user)


@subscribe(OrderStatusChanged, phase=Phase.IN_TRANSACTION)
def tell_who_must_act_now(event: OrderStatusChanged) -> None:
    """A 加急 order arrived in a queue: whoever works on that stage hears. A rejected order:
    its owner and whoever entered it hear, with the reason."""
    order, entry = event.order, event.timeline_event
    if event.to_status == OrderStatus.REJECTED:
        staff_notify(users=order_people(order), kind=kinds.ORDER_REJECTED, exclude=event.user, link=_order_link(order),
                     text=f"订单 {order.number}（{order.customer.name}）被驳回：{entry.reason[:100]}",
                     key=f"order_rejected:{entry.pk}")
    elif order.priority == Priority.URGENT and event.to_status in QUEUED_STATUSES:
        _tell_of_an_urgent_order(order, event.user)


@subscribe(CustomerNoticeFailed, phase=Phase.AFTER_COMMIT)
def tell_of_a_failed_customer_notice(event: CustomerNoticeFailed) -> None:
    """A notice to a customer failed for good: the order's people and whoever may resend."""
    message = event.message
    if message is None:
        return
    order = message.order
    people = set(permission_holders("fulfillment.resend_notification")) | (order_people(order) if order else set())
    about = f"订单 {order.number} 的" if order else ""
    staff_notify(users=people, kind=kinds.CUSTOMER_NOTICE_FAILED, link=reverse("fulfillment:outbox") + "?status=failed",
                 text=f"{about}客户通知“{message.get_key_display()}”（{message.get_channel_display()}）发送失败：{message.last_error[:80]}",
                 key=f"notice_failed:{message.pk}")


@subscribe(WebhookSubscriptionDisabled, phase=Phase.AFTER_COMMIT)
def tell_of_a_disabled_webhook_subscription(event: WebhookSubscriptionDisabled) -> None:
    """A webhook subscriber kept failing and was switched off (integrations e-mails the API
    client's owner): every 主管 and that owner hear in the portal, once per disablement."""
    subscription = event.subscription
    if subscription is None:
        return
    client = subscription.client
    people = set(managers()) | ({client.owner} if client.owner else set())
    disabled_at = subscription.disabled_at or subscription.created_at
    staff_notify(users=people, kind=kinds.WEBHOOK_DISABLED, link=reverse("integrations:client", args=[client.pk]),
                 text=f"{client.name} 的 Webhook 订阅（{subscription.url}）已停用：{subscription.disabled_reason[:120]}",
                 key=f"webhook_disabled:{subscription.pk}:{disabled_at:%Y%m%d%H%M%S}")


@subscribe(SupplierQualificationExpiring, phase=Phase.IN_TRANSACTION)
def tell_of_an_expiring_supplier_qualification(event: SupplierQualificationExpiring) -> None:
    """A supplier's qualification expires soon or has expired: the 主管 and whoever buys
    (采购) hear — when it enters the warning window, a week before, and once expired."""
    qualification = event.qualification
    supplier = qualification.supplier
    people = set(managers()) | set(permission_holders("purchasing.add_purchaseorder"))
    if event.days_left < 0:
        text = f"供应商“{supplier.name}”的{qualification.name}已于 {qualification.expires_on:%Y-%m-%d} 过期，暂停向其下采购单"
    else:
        text = f"供应商“{supplier.name}”的{qualification.name}将于 {qualification.expires_on:%Y-%m-%d} 到期（还有 {event.days_left} 天），请索取更新后的资质"
    staff_notify(users=people, kind=kinds.SUPPLIER_QUALIFICATION_EXPIRING,
                 link=reverse("purchasing:supplier", args=[supplier.pk]), text=text,
                 key=f"qualification:{qualification.pk}:{qualification.expires_on:%Y%m%d}:{event.stage}")


@subscribe(PurchaseOrderAwaitingApproval, phase=Phase.IN_TRANSACTION)
def tell_managers_of_a_purchase_order_to_approve(event: PurchaseOrderAwaitingApproval) -> None:
    purchase_order = event.purchase_order
    staff_notify(users=managers(), kind=kinds.PURCHASE_ORDER_APPROVAL, exclude=purchase_order.created_by,
                 link=reverse("purchasing:purchase_order", args=[purchase_order.pk]),
                 text=f"采购单 {purchase_order.number}（{purchase_order.supplier.name}，{purchase_order.total:,.2f} 元）等待审批",
                 key=f"po_approval:{purchase_order.pk}")
