"""The customer's complaint pages (mounted by the root URLconf in the ``tracking`` namespace):
filing from the tracking page under its signed link, and the complaint's own signed page."""

from django.urls import path

from .views import customer

tracking_urlpatterns = [
    path("s/<str:token>/complaint/", customer.file_complaint, name="file_complaint"),
    path("c/<str:token>/", customer.complaint_page, name="complaint"),
    path("c/<str:token>/<slug:answer>/", customer.answer_complaint, name="complaint_answer"),
]
