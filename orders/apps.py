from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("订单")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal handlers)
        from ordermgmt.metrics import register_collector

        register_collector("orders", "orders.metrics.order_metrics")
        register_collector("orders.imports", "orders.metrics.import_metrics")
