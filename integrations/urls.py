from django.urls import path

from .views import clients, payments, webhooks

app_name = "integrations"

urlpatterns = [
    path("", clients.home, name="home"),
    path("clients/new/", clients.client_new, name="client_new"),
    path("clients/<int:pk>/", clients.client_detail, name="client"),
    path("clients/<int:pk>/edit/", clients.client_edit, name="client_edit"),
    path("clients/<int:pk>/history/", clients.client_history, name="client_history"),
    path("clients/<int:pk>/tokens/", clients.token_issue, name="token_issue"),
    path("tokens/<int:pk>/revoke/", clients.token_revoke, name="token_revoke"),
    path("clients/<int:pk>/webhooks/new/", webhooks.subscription_new, name="subscription_new"),
    path("webhooks/<int:pk>/edit/", webhooks.subscription_edit, name="subscription_edit"),
    path("webhooks/<int:pk>/enable/", webhooks.subscription_enable, name="subscription_enable"),
    path("deliveries/", webhooks.delivery_log, name="deliveries"),
    path("deliveries/<int:pk>/replay/", webhooks.delivery_replay, name="delivery_replay"),
    path("payments/", payments.payment_review, name="payments"),
    path("payments/<int:pk>/resolve/", payments.payment_resolve, name="payment_resolve"),
]
