from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = "履约"

    def ready(self) -> None:
        from ordermgmt.uploads import register_private_folder

        from .models import ProofFile

        register_private_folder(ProofFile.UPLOAD_FOLDER, permission=ProofFile.VIEW_PERMISSION)
        from . import receivers  # noqa: F401  (subscribes to the orders' domain events)
        from ordermgmt.metrics import register_collector

        register_collector("fulfillment.notifications", "fulfillment.metrics.notification_metrics")
