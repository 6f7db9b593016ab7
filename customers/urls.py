from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create_view, name="create"),
    path("lookup/", views.customer_lookup, name="lookup"),
    path("picker/", views.CustomerPicker.as_view(), name="picker"),
    path("personal-data/accesses/", views.personal_data_access_list, name="personal_data_accesses"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit_view, name="edit"),
    path("<int:pk>/history/", views.customer_history, name="history"),
    path("<int:pk>/reveal/", views.customer_reveal_view, name="reveal"),
    path("<int:pk>/personal-data/export/", views.personal_data_export_view, name="personal_data_export"),
    path("<int:pk>/personal-data/erase/", views.personal_data_erase_view, name="personal_data_erase"),
    path("<int:pk>/contacts/add/", views.contact_add_view, name="contact_add"),
    path("<int:pk>/addresses/add/", views.address_add_view, name="address_add"),
]
