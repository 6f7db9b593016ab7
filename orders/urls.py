from django.urls import path

from .views import actions, browse, entry

app_name = "orders"

urlpatterns = [
    path("", browse.order_list, name="list"),
    path("new/", entry.order_create_view, name="create"),
    path("<str:number>/", browse.order_detail_view, name="detail"),
    path("<str:number>/edit/", entry.order_edit_view, name="edit"),
    path("<str:number>/do/<slug:action>/", actions.order_action, name="action"),
    path("<str:number>/override/<slug:check>/", actions.order_override_check_view, name="override_check"),
    path("<str:number>/review/", actions.order_rerun_review_view, name="rerun_review"),
    path("<str:number>/copy/", actions.order_copy_view, name="copy"),
]
