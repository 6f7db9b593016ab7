from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = "客服中心"

    def ready(self) -> None:
        from ordermgmt.uploads import register_private_folder

        from . import panels, receivers  # noqa: F401  (receivers subscribe to the domain events of the apps below)
        from .models import ComplaintAttachment

        register_private_folder(ComplaintAttachment.UPLOAD_FOLDER, permission=ComplaintAttachment.VIEW_PERMISSION)
        panels.register()  # the bell, the order's wait, complaints on the order, customer and tracking pages
