"""Integration records: API clients and their tokens and calls, idempotency keys, webhook
subscriptions with their outbox, and payment-platform notifications."""

from .clients import ApiCallLog, ApiClient, ApiToken
from .idempotency import IdempotencyKey
from .payments import PaymentNotification, PaymentProvider
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "ApiCallLog", "ApiClient", "ApiToken", "IdempotencyKey", "PaymentNotification", "PaymentProvider",
    "WebhookAttempt", "WebhookDelivery", "WebhookEvent", "WebhookSubscription",
]
