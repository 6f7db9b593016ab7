from django.urls import path

from . import views

app_name = "purchasing"

urlpatterns = [
    path("", views.purchase_order_list, name="home"),
    path("orders/new/", views.purchase_order_new, name="purchase_order_new"),
    path("orders/from-requests/", views.purchase_order_from_requests_view, name="purchase_order_from_requests"),
    path("orders/<int:pk>/", views.purchase_order_detail, name="purchase_order"),
    path("orders/<int:pk>/print/", views.purchase_order_print, name="purchase_order_print"),
    path("orders/<int:pk>/lines/<int:line_pk>/receive/", views.purchase_order_receive, name="purchase_order_receive"),
    path("orders/<int:pk>/<slug:action>/", views.purchase_order_action, name="purchase_order_action"),
    path("returns/<int:pk>/ship/", views.supplier_return_action, name="supplier_return_ship"),
    path("suppliers/", views.supplier_list, name="suppliers"),
    path("suppliers/new/", views.supplier_edit, name="supplier_new"),
    path("suppliers/<int:pk>/", views.supplier_detail, name="supplier"),
    path("suppliers/<int:pk>/edit/", views.supplier_edit, name="supplier_edit"),
    path("suppliers/<int:pk>/qualifications/", views.qualification_upload, name="qualification_upload"),
    path("suppliers/<int:pk>/products/", views.supplier_product_add, name="supplier_product_add"),
    path("suppliers/<int:pk>/<slug:action>/", views.supplier_action, name="supplier_action"),
    path("qualifications/<int:pk>/file/", views.qualification_file, name="qualification_file"),
    path("replenishment/", views.proposal_list, name="proposals"),
    path("replenishment/<int:pk>/<slug:action>/", views.proposal_action, name="proposal_action"),
    path("replenishment/rules/new/", views.rule_edit, name="rule_new"),
    path("replenishment/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("slow-moving/", views.slow_moving_report, name="slow_moving"),
]
