"""Public URLs: the customer's tracking page and the carriers' push endpoint."""

from django.urls import include, path

from .views import carrier_api, tracking

tracking_patterns = (
    [
        path("", tracking.track_lookup, name="lookup"),
        path("s/<str:token>/", tracking.track_signed, name="signed"),
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
