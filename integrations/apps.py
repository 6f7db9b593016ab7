from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("接口集成")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (webhook outbox rows for the domain events below)
