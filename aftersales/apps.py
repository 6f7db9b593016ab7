from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = "售后"

    def ready(self) -> None:
        from ordermgmt.uploads import register_private_folder

        from . import panels, receivers  # noqa: F401  (receivers subscribe to the domain events of the apps below)
        from .models import AfterSalesPhoto

        register_private_folder(AfterSalesPhoto.UPLOAD_FOLDER, permission=AfterSalesPhoto.VIEW_PERMISSION)
        panels.register()  # on the home, customer, order and tracking pages
