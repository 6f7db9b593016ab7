from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = "售后"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal handlers)
