from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = "履约"

    def ready(self) -> None:
        from ordermgmt.metrics import register_collector
        from ordermgmt.uploads import register_private_folder

        from . import panels, receivers  # noqa: F401  (receivers subscribe to the orders' domain events)
        from .models import ProofFile

        register_private_folder(ProofFile.UPLOAD_FOLDER, permission=ProofFile.VIEW_PERMISSION)
        panels.register()  # on the order page and the home page
        register_collector("fulfillment.notifications", "fulfillment.metrics.notification_metrics")
