"""What the customer does from the tracking page after delivery (mounted by the root
URLconf in the ``tracking`` namespace, under the signed link)."""

from django.urls import path

from .views import customer

tracking_urlpatterns = [
    path("s/<str:token>/after-sales/", customer.request_after_sales, name="after_sales"),
    path("s/<str:token>/feedback/", customer.submit_feedback, name="feedback"),
]
