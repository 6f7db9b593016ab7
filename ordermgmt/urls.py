from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from aftersales import public_urls as after_sales_public
from fulfillment import public_urls as fulfillment_public
from servicedesk import public_urls as service_desk_public

from . import event_views, pickers, sign_in, views
from .holidays import views as calendar

admin.site.site_header = "客户订单管理平台 · 主数据管理"
admin.site.site_title = "订单平台管理"

# The 500 page shows the request id (issue 21); /health/… and /metrics are answered by
# ordermgmt.health.ProbeMiddleware before URL routing.
handler500 = "ordermgmt.views.server_error"

portal_patterns = (
    [
        path("", views.home, name="home"),
        path("address/parse/", views.address_parse, name="address_parse"),
        path("pickers/users/", pickers.UserPicker.as_view(), name="user_picker"),
        path("settings/policies/", views.policy_settings, name="policies"),
        path("settings/policies/<slug:key>/history/", views.policy_history, name="policy_history"),
        path("settings/roles/history/", views.role_changes, name="role_changes"),
        path("settings/events/", event_views.event_delivery_list, name="event_deliveries"),
        path("settings/events/<int:pk>/retry/", event_views.event_delivery_retry_view, name="event_delivery_retry"),
        path("settings/calendar/", calendar.calendar_home, name="calendar"),
        path("settings/calendar/<int:year>/", calendar.calendar_year, name="calendar_year"),
        path("settings/calendar/<int:year>/holiday/", calendar.calendar_holiday, name="calendar_holiday"),
        path("settings/calendar/<int:year>/remove/", calendar.calendar_remove, name="calendar_remove"),
        path("settings/calendar/<int:year>/upload/", calendar.calendar_upload, name="calendar_upload"),
        path("settings/calendar/<int:year>/apply/", calendar.calendar_apply, name="calendar_apply"),
        path("settings/calendar/<int:year>/confirm/", calendar.calendar_confirm, name="calendar_confirm"),
        path("settings/calendar/<int:year>/template.xlsx", calendar.calendar_template, name="calendar_template"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("accounts/login/", sign_in.PasswordStepLoginView.as_view(), name="login"),
    path("accounts/login/code/", sign_in.login_code, name="login_code"),
    path("accounts/two-factor/", sign_in.two_factor_settings, name="two_factor"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/", include("orders.urls")),
    path("customers/", include("customers.urls")),
    path("inventory/", include("inventory.urls")),
    path("purchasing/", include("purchasing.urls")),
    path("fulfillment/", include("fulfillment.urls")),
    # Public: the customer's tracking page (fulfillment) with its after-sales requests and
    # complaints, and the carriers' push endpoint.
    path("track/", include((fulfillment_public.tracking_urlpatterns + after_sales_public.tracking_urlpatterns
                            + service_desk_public.tracking_urlpatterns, "tracking"))),
    path("api/carriers/", include(fulfillment_public.carrier_api_patterns)),
    path("reports/", include("reports.urls")),
    path("aftersales/", include("aftersales.urls")),
    path("integrations/", include("integrations.urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("servicedesk/", include("servicedesk.urls")),
    path("finance/", include("finance.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
