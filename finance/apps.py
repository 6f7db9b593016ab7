from django.apps import AppConfig


class FinanceConfig(AppConfig):
    """Invoices, reconciliation, statements, ageing, margin and vouchers (issue 20)."""

    name = "finance"
    verbose_name = "财务管理"

    def ready(self) -> None:
        from . import panels, receivables_sources
        from . import receivers  # noqa: F401  (COD, platform flows, compensation, refund approval notices)

        panels.register()  # receivables and credit assessment on the customer page
        receivables_sources.register()  # dated settlements of opening receivables on statements
