from django.urls import path

from .views import actions, browse, entry, imports

app_name = "orders"

urlpatterns = [
    path("", browse.order_list, name="list"),
    path("new/", entry.order_create_view, name="create"),
    # Before "<str:number>/": these words are not order numbers.
    path("export/", imports.order_export, name="export"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/template/", imports.import_template, name="import_template"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/discard/", imports.import_discard, name="import_discard"),
    path("imports/<int:pk>/file/", imports.import_file, name="import_file"),
    path("imports/<int:pk>/report/", imports.import_report, name="import_report"),
    path("<str:number>/", browse.order_detail_view, name="detail"),
    path("<str:number>/edit/", entry.order_edit_view, name="edit"),
    path("<str:number>/do/<slug:action>/", actions.order_action, name="action"),
]
