from django.urls import path

from .views import costs, receivables, reconciliation, settlement

app_name = "finance"

urlpatterns: list = [
    path("reconciliation/", reconciliation.reconciliation, name="reconciliation"),
    path("reconciliation/import/", reconciliation.statement_import, name="statement_import"),
    path("reconciliation/sample/", reconciliation.sample_download, name="sample_download"),
    path("reconciliation/sample/import/", reconciliation.sample_import, name="sample_import"),
    path("reconciliation/statements/<int:pk>/", reconciliation.statement_detail, name="statement"),
    path("reconciliation/lines/<int:pk>/match/", reconciliation.line_match_view, name="line_match"),
    path("reconciliation/lines/<int:pk>/ignore/", reconciliation.line_ignore_view, name="line_ignore"),
    path("reconciliation/matches/<int:pk>/reverse/", reconciliation.match_reverse_view, name="match_reverse"),
    path("accounts/", settlement.accounts, name="accounts"),
    path("accounts/opening-receivable/", settlement.opening_receivable_enter, name="opening_receivable"),
    path("cod/", settlement.cod, name="cod"),
    path("refunds/", settlement.refunds, name="refunds"),
    path("refunds/<int:pk>/decide/", settlement.refund_decide, name="refund_decide"),
    # Receivables ageing, customer statements (对账单), credit limits, standard costs
    path("ageing/", receivables.ageing, name="ageing"),
    path("customers/<int:pk>/statement/", receivables.statement, name="customer_statement"),
    path("customers/<int:pk>/statement/send/", receivables.statement_send_view, name="customer_statement_send"),
    path("customers/<int:pk>/credit-limit/", receivables.credit_limit_change_view, name="credit_limit"),
    path("standard-costs/", costs.standard_costs, name="standard_costs"),
    path("standard-costs/<int:pk>/", costs.standard_cost_edit, name="standard_cost_edit"),
]
