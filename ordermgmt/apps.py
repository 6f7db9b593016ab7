from django.apps import AppConfig


class OrdermgmtConfig(AppConfig):
    name = "ordermgmt"
    verbose_name = "平台"

    def ready(self) -> None:
        # Celery signal handlers (web and worker): request ids into tasks, task log lines,
        # task outcome counters for the metrics endpoint.
        from . import logcontext, metrics  # noqa: F401
