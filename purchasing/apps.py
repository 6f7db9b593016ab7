from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    """Suppliers, purchase orders and replenishment: how stock is bought (issue 19)."""

    name = "purchasing"
    verbose_name = "采购管理"

    def ready(self) -> None:
        from ordermgmt.uploads import register_private_folder

        from . import policies, receivers  # noqa: F401  (业务规则 page; listeners of inventory's events)
        from .models import QUALIFICATION_FOLDER

        register_private_folder(QUALIFICATION_FOLDER, permission="purchasing.view_supplierqualification")
