from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "库存"

    def ready(self) -> None:
        from . import policies  # noqa: F401  (the warehouse split policy on the 业务规则 page)
