from django.urls import path

from .views import costs, invoices, ledger, receivables, reconciliation, settlement

app_name = "finance"

urlpatterns = [
    path("", invoices.desk, name="desk"),
    path("invoices/draft/", invoices.invoice_draft, name="invoice_draft"),
    path("invoices/pending.xlsx", invoices.pending_export, name="pending_export"),
    path("invoices/issued/import/", invoices.issued_import, name="issued_import"),
    path("invoices/<int:pk>/", invoices.invoice_view, name="invoice"),
    path("invoices/<int:pk>/print/", invoices.invoice_print, name="invoice_print"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/issue/", invoices.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/reverse/", invoices.invoice_reverse, name="invoice_reverse"),
    path("ledger/", ledger.ledger, name="ledger"),
    path("ledger/vouchers.xlsx", ledger.vouchers_export, name="vouchers_export"),
    path("ledger/close/", ledger.period_close, name="period_close"),
    path("ledger/accounts/", ledger.accounts, name="account_mapping"),
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
    path("accounts/<int:pk>/flows/", settlement.flow_record, name="flow_record"),
    path("accounts/flows/<int:pk>/classify/", settlement.flow_classify, name="flow_classify"),
    path("accounts/flows/<int:pk>/reverse/", settlement.flow_reverse, name="flow_reverse"),
    path("cod/", settlement.cod, name="cod"),
    path("refunds/", settlement.refunds, name="refunds"),
    path("refunds/<int:pk>/decide/", settlement.refund_decide, name="refund_decide"),
    path("refunds/<int:pk>/account/", settlement.refund_account, name="refund_account"),
    # Receivables ageing, customer statements (对账单), credit limits, standard costs
    path("ageing/", receivables.ageing, name="ageing"),
    path("customers/<int:pk>/statement/", receivables.statement, name="customer_statement"),
    path("customers/<int:pk>/statement/send/", receivables.statement_send_view, name="customer_statement_send"),
    path("customers/<int:pk>/credit-limit/", receivables.credit_limit_change_view, name="credit_limit"),
    path("orders/<int:pk>/credit/", receivables.order_credit_apply_view, name="order_credit_apply"),
    path("standard-costs/", costs.standard_costs, name="standard_costs"),
    path("standard-costs/<int:pk>/", costs.standard_cost_edit, name="standard_cost_edit"),
]
