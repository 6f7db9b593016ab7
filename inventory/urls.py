from django.urls import path

from . import views
from .views import counts, expiry, transfers, warehouse_rules

app_name = "inventory"

urlpatterns = [
    path("", views.stock_overview, name="stock"),
    path("products/<int:pk>/", views.product_stock_detail, name="product"),
    path("products/<int:pk>/history/", views.product_history, name="product_history"),
    path("products/picker/", views.ProductPicker.as_view(), name="product_picker"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<int:pk>/adjust/", views.batch_adjust_view, name="batch_adjust"),
    path("receive/", views.receive_view, name="receive"),
    path("purchase-requests/", views.purchase_request_list, name="purchase_requests"),
    path("purchase-requests/<int:pk>/<slug:action>/", views.purchase_request_action, name="purchase_request_action"),
    # Issue 19: transfers and stock counts.
    path("transfers/", transfers.transfer_list, name="transfers"),
    path("transfers/new/", transfers.transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/", transfers.transfer_detail, name="transfer"),
    path("transfers/<int:pk>/<slug:action>/", transfers.transfer_action, name="transfer_action"),
    path("counts/", counts.count_list, name="counts"),
    path("counts/new/", counts.count_new, name="count_new"),
    path("counts/<int:pk>/", counts.count_detail, name="count"),
    path("counts/<int:pk>/record/", counts.count_record_view, name="count_record"),
    path("counts/<int:pk>/sheet.xlsx", counts.count_sheet_download, name="count_sheet"),
    path("counts/<int:pk>/upload/", counts.count_upload, name="count_upload"),
    path("counts/<int:pk>/post/", counts.count_post_view, name="count_post"),
    path("counts/<int:pk>/cancel/", counts.count_cancel_view, name="count_cancel"),
    path("near-expiry/", expiry.near_expiry_report, name="near_expiry"),
    path("warehouse-rules/", warehouse_rules.warehouse_rule_list, name="warehouse_rules"),
    path("warehouse-rules/new/", warehouse_rules.warehouse_rule_edit, name="warehouse_rule_new"),
    path("warehouse-rules/<int:pk>/", warehouse_rules.warehouse_rule_edit, name="warehouse_rule_edit"),
    path("warehouse-rules/<int:pk>/delete/", warehouse_rules.warehouse_rule_remove, name="warehouse_rule_delete"),
]
