from django.urls import path

from .views import staff

app_name = "aftersales"

urlpatterns = [
    path("", staff.case_list, name="list"),
    path("<int:pk>/", staff.case_view, name="case"),
    path("<int:pk>/do/<slug:action>/", staff.case_action, name="action"),
    path("photos/<int:pk>/", staff.photo_file, name="photo"),
    path("orders/<str:number>/new/", staff.case_open_view, name="open"),
    path("orders/<str:number>/cancel-after-shipping/", staff.cancel_after_shipping_view, name="cancel_after_shipping"),
    path("feedback/<int:pk>/follow-up/", staff.feedback_follow_up_view, name="feedback_follow_up"),
]
