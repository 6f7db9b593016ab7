from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    """Suppliers, purchase orders and replenishment: how stock is bought (issue 19)."""

    name = "purchasing"
    verbose_name = "采购管理"

    def ready(self) -> None:
        from ordermgmt.uploads import register_private_folder

        from . import policies  # noqa: F401  (the purchase approval amount on the 业务规则 page)
        from .models import QUALIFICATION_FOLDER

        register_private_folder(QUALIFICATION_FOLDER, permission="purchasing.view_supplierqualification")
