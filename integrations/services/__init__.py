"""Every write of the integrations goes through a function of this package.

``clients`` — API clients, their tokens (issued once, stored hashed, rotated with two live
tokens, revoked) and the log of their calls. ``idempotency`` — claiming a client's
idempotency key before the work (an INSERT that conflicts), completing it in the work's own
transaction, replaying the stored answer. ``intake`` — orders pushed by a channel, one or in
batches, cancelled or re-addressed: resolved to the platform's records and handed to the
order services the portal uses (``orders.services``, ``customers.services``,
``aftersales.services``); no rule is decided here. ``webhooks`` — subscriptions, the outbox
written in the transaction of each change, deliveries in order per order with growing waits,
disabling a subscriber that keeps failing, replays. ``payments`` — notifications of payment
platforms recorded through ``orders.services.payment_record`` or flagged for a 主管.
"""

from .clients import (
    api_call_record,
    api_calls_purge,
    api_client_create,
    api_client_update,
    api_token_issue,
    api_token_revoke,
    api_token_touch,
)
from .idempotency import (
    Claim,
    idempotency_claim,
    idempotency_complete,
    idempotency_hold,
    idempotency_keys_purge,
    idempotency_release,
    request_fingerprint,
)
from .intake import (
    BatchEntry,
    ChannelCustomer,
    ChannelDelivery,
    ChannelLine,
    ChannelOrder,
    channel_order_cancel,
    channel_order_change_delivery,
    channel_order_create,
    channel_orders_create_batch,
    channel_payment_record,
)
from .payments import PaymentNotice, payment_notification_receive, payment_notification_resolve
from .webhooks import (
    webhook_deliveries_dispatch_due,
    webhook_delivery_attempt,
    webhook_delivery_replay,
    webhook_outbox_write,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_enable,
    webhook_subscription_update,
)

__all__ = [
    "BatchEntry", "ChannelCustomer", "ChannelDelivery", "ChannelLine", "ChannelOrder", "Claim", "PaymentNotice",
    "api_call_record", "api_calls_purge", "api_client_create", "api_client_update", "api_token_issue",
    "api_token_revoke", "api_token_touch", "channel_order_cancel", "channel_order_change_delivery",
    "channel_order_create", "channel_orders_create_batch", "channel_payment_record", "idempotency_claim",
    "idempotency_complete", "idempotency_hold", "idempotency_keys_purge", "idempotency_release",
    "payment_notification_receive", "payment_notification_resolve", "request_fingerprint",
    "webhook_deliveries_dispatch_due", "webhook_delivery_attempt", "webhook_delivery_replay", "webhook_outbox_write",
    "webhook_subscription_create", "webhook_subscription_delete", "webhook_subscription_enable",
    "webhook_subscription_update",
]
