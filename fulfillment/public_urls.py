"""Public URLs of fulfillment: the customer's tracking page and the carriers' push endpoint.
The root URLconf mounts them (with the after-sales requests of the tracking page) under
``/track/`` and ``/api/carriers/``."""

from django.urls import path

from .views import carrier_api, tracking

tracking_urlpatterns = [
    path("", tracking.track_lookup, name="lookup"),
    path("s/<str:token>/", tracking.track_signed, name="signed"),
]
carrier_api_patterns = (
    [path("<slug:code>/events/", carrier_api.carrier_events, name="events")],
    "carrier_api",
)
