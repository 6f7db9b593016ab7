"""What integrations announces (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import DomainEvent, event

from .models import WebhookSubscription


@event("webhook_subscription.disabled")
class WebhookSubscriptionDisabled(DomainEvent):
    """A subscriber kept failing and its subscription was stopped automatically
    (``subscription.disabled_reason``); its deliveries wait until a 主管 enables it again."""

    subscription: WebhookSubscription
