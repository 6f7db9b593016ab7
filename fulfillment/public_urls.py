"""Public URLs: the customer's tracking page and the carriers' push endpoint."""

from django.urls import include, path

from aftersales.views import customer as after_sales_customer

from .views import carrier_api, tracking

tracking_patterns = (
    [
        path("", tracking.track_lookup, name="lookup"),
        path("s/<str:token>/", tracking.track_signed, name="signed"),
        path("s/<str:token>/after-sales/", after_sales_customer.request_after_sales, name="after_sales"),
        path("s/<str:token>/feedback/", after_sales_customer.submit_feedback, name="feedback"),
    ],
    "tracking",
)
carrier_api_patterns = (
    [path("<slug:code>/events/", carrier_api.carrier_events, name="events")],
    "carrier_api",
)

urlpatterns = [
    path("track/", include(tracking_patterns)),
    path("api/carriers/", include(carrier_api_patterns)),
]
