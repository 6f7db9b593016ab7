from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("接口集成")

    def ready(self) -> None:
        from ordermgmt.metrics import register_collector

        from . import receivers  # noqa: F401  (webhook outbox rows for the domain events below)

        register_collector("integrations.webhooks", "integrations.metrics.webhook_metrics")
