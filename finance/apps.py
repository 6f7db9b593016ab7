from django.apps import AppConfig


class FinanceConfig(AppConfig):
    """Invoices, reconciliation, statements, ageing, margin and vouchers (issue 20)."""

    name = "finance"
    verbose_name = "财务管理"

    def ready(self) -> None:
        from ordermgmt.periods import register_period_guard

        from . import panels, receivables_sources
        from . import receivers  # noqa: F401  (receivers subscribe to the domain events of the apps below:
        # invoices due and red invoices, COD, platform flows, compensation, refund approval notices)
        from .services import period_guard

        register_period_guard(period_guard)  # payments, refunds and invoices dated in a closed month are refused
        panels.register()  # invoicing on the order and customer pages; receivables and credit assessment
        receivables_sources.register()  # dated settlements of opening receivables on statements
