from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import schema  # noqa: F401  (the schema's security scheme for our tokens, registered on import)
from .views.orders import (
    OrderBatchView,
    OrderCancelView,
    OrderDeliveryView,
    OrderDetailView,
    OrderListView,
    OrderPaymentsView,
)
from .views.base import not_found
from .views.payments import PaymentNotifyView
from .views.schema import docs_view
from .views.webhooks import SubscriptionDetailView, SubscriptionListView

app_name = "api"

urlpatterns = [
    path("orders/", OrderListView.as_view(), name="orders"),
    path("orders/batch/", OrderBatchView.as_view(), name="orders_batch"),
    path("orders/<str:number>/", OrderDetailView.as_view(), name="order"),
    path("orders/<str:number>/cancel/", OrderCancelView.as_view(), name="order_cancel"),
    path("orders/<str:number>/delivery/", OrderDeliveryView.as_view(), name="order_delivery"),
    path("orders/<str:number>/payments/", OrderPaymentsView.as_view(), name="order_payments"),
    path("webhooks/", SubscriptionListView.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", SubscriptionDetailView.as_view(), name="webhook"),
    path("payments/notify/<slug:provider>/", PaymentNotifyView.as_view(), name="payments_notify"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs_view(SpectacularSwaggerSplitView, url_name="api:schema"), name="docs"),
    path("docs/redoc/", docs_view(SpectacularRedocView, url_name="api:schema", inline_styles=True), name="redoc"),
    # Anything else under /api/v1/ is answered in the API's error shape, not the portal's page.
    re_path(r"", not_found),
]
