from django.urls import path

from . import views

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
]
