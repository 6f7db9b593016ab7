from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = "履约"

    def ready(self) -> None:
        from ordermgmt.metrics import register_collector
        from ordermgmt.uploads import register_private_folder

        from . import panels, personal_data, receivers  # noqa: F401  (receivers subscribe to the orders' domain events)
        from .models import ProofFile

        register_private_folder(ProofFile.UPLOAD_FOLDER, permission=ProofFile.VIEW_PERMISSION)
        panels.register()  # on the order page and the home page
        personal_data.register()  # notices sent and receivers' signatures, for a data-subject request
        register_collector("fulfillment.notifications", "fulfillment.metrics.notification_metrics")
