from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    """Suppliers, purchase orders and replenishment: how stock is bought (issue 19)."""

    name = "purchasing"
    verbose_name = "采购管理"
