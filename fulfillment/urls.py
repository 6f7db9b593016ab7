from django.urls import path

from .views import logistics, notifications, production, proofs, warehouse

app_name = "fulfillment"

urlpatterns = [
    path("production/", production.production_list, name="production_list"),
    path("production/<int:pk>/", production.production_detail, name="production_detail"),
    path("production/<int:pk>/plan/", production.production_plan, name="production_plan"),
    path("production/<int:pk>/do/<slug:step>/", production.production_step, name="production_step"),
    path("production/raise/<str:number>/", production.production_raise, name="production_raise"),
    path("picking/", warehouse.pick_queue, name="pick_queue"),
    path("picking/new/<str:number>/", warehouse.pick_list_new, name="pick_list_new"),
    path("picking/warehouse/<str:number>/", warehouse.order_warehouse_change, name="order_warehouse_change"),
    path("picking/<int:pk>/", warehouse.pick_list_detail_view, name="pick_list_detail"),
    path("picking/<int:pk>/do/<slug:step>/", warehouse.pick_list_step, name="pick_list_step"),
    path("picking/<int:pk>/ship/", warehouse.pick_list_ship_view, name="pick_list_ship"),
    path("shipments/", logistics.shipments, name="shipments"),
    path("shipments/<int:pk>/", logistics.shipment_detail_view, name="shipment_detail"),
    path("shipments/<int:pk>/events/", logistics.shipment_event_add, name="shipment_event_add"),
    path("shipments/<int:pk>/sign/", logistics.shipment_sign_view, name="shipment_sign"),
    path("exceptions/", logistics.exceptions, name="exceptions"),
    path("exceptions/<int:pk>/resolve/", logistics.exception_resolve, name="exception_resolve"),
    path("proofs/<int:pk>/", proofs.proof_file, name="proof_file"),
    path("notifications/", notifications.outbox_list, name="outbox"),
    path("notifications/<int:pk>/resend/", notifications.outbox_resend, name="outbox_resend"),
    path("notifications/templates/", notifications.template_list, name="templates"),
    path("notifications/templates/<int:pk>/", notifications.template_edit, name="template_edit"),
    path("notifications/templates/<int:pk>/history/", notifications.template_history, name="template_history"),
]
