from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("订单")

    def ready(self) -> None:
        from ordermgmt.metrics import register_collector

        from . import panels, personal_data, receivers  # noqa: F401  (receivers subscribe to the inventory's domain events)

        panels.register()  # my queue on the home page, order history on the customer page
        personal_data.register()  # the receivers on orders, for a data-subject request
        register_collector("orders", "orders.metrics.order_metrics")
        register_collector("orders.imports", "orders.metrics.import_metrics")
