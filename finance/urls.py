from django.urls import path

from .views import invoices, ledger

app_name = "finance"

urlpatterns = [
    path("", invoices.desk, name="desk"),
    path("invoices/draft/", invoices.invoice_draft, name="invoice_draft"),
    path("invoices/pending.xlsx", invoices.pending_export, name="pending_export"),
    path("invoices/issued/import/", invoices.issued_import, name="issued_import"),
    path("invoices/<int:pk>/", invoices.invoice_view, name="invoice"),
    path("invoices/<int:pk>/print/", invoices.invoice_print, name="invoice_print"),
    path("invoices/<int:pk>/issue/", invoices.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/reverse/", invoices.invoice_reverse, name="invoice_reverse"),
    path("ledger/", ledger.ledger, name="ledger"),
    path("ledger/vouchers.xlsx", ledger.vouchers_export, name="vouchers_export"),
    path("ledger/close/", ledger.period_close, name="period_close"),
    path("ledger/accounts/", ledger.accounts, name="accounts"),
]
