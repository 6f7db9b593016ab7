from django.urls import path

from .views import actions, browse, entry, pricing_rules, imports, retention, settlement

app_name = "orders"

urlpatterns = [
    path("", browse.order_list, name="list"),
    path("new/", entry.order_create_view, name="create"),
    path("price/", entry.price_preview, name="price_preview"),
    path("pricing/", pricing_rules.rule_home, name="price_rules_home"),
    path("pricing/<slug:kind>/", pricing_rules.rule_list, name="price_rules"),
    path("pricing/<slug:kind>/new/", pricing_rules.rule_edit, name="price_rule_create"),
    path("pricing/<slug:kind>/<int:pk>/", pricing_rules.rule_edit, name="price_rule_edit"),
    path("pricing/<slug:kind>/<int:pk>/deactivate/", pricing_rules.rule_deactivate, name="price_rule_deactivate"),
    path("pricing/<slug:kind>/<int:pk>/history/", pricing_rules.rule_history, name="price_rule_history"),
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
    path("retention/", retention.retention_overview, name="retention"),
    path("retention/apply/", retention.retention_apply_view, name="retention_apply"),
    path("<str:number>/", browse.order_detail_view, name="detail"),
    path("<str:number>/edit/", entry.order_edit_view, name="edit"),
    path("<str:number>/do/<slug:action>/", actions.order_action, name="action"),
    path("<str:number>/override/<slug:check>/", actions.order_override_check_view, name="override_check"),
    path("<str:number>/review/", actions.order_rerun_review_view, name="rerun_review"),
    path("<str:number>/copy/", actions.order_copy_view, name="copy"),
    path("<str:number>/reveal/", actions.order_reveal_view, name="reveal"),
    path("<str:number>/payments/", settlement.payment_create_view, name="payment_create"),
    path("<str:number>/print/<slug:kind>/", settlement.voucher_view, name="voucher"),
]
