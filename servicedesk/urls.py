from django.urls import path

from .views import complaints, desk, notifications

app_name = "servicedesk"

urlpatterns = [
    path("complaints/", complaints.complaint_list, name="complaints"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/analysis/", desk.analysis, name="analysis"),
    path("complaints/categories/", desk.categories, name="categories"),
    path("complaints/categories/new/", desk.category_save, name="category_create"),
    path("complaints/categories/<int:pk>/", desk.category_save, name="category_save"),
    path("complaints/attachments/<int:pk>/", complaints.attachment_file, name="attachment"),
    path("complaints/goodwill/<int:pk>/<slug:decision>/", complaints.goodwill_decide, name="goodwill_decide"),
    path("complaints/<str:number>/", complaints.complaint_view, name="complaint"),
    path("complaints/<str:number>/do/<slug:action>/", complaints.complaint_action, name="complaint_action"),
    path("monitoring/", desk.monitoring, name="monitoring"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read-all/", notifications.notification_read_all, name="notifications_read_all"),
    path("notifications/settings/", notifications.notification_settings, name="notification_settings"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
]
