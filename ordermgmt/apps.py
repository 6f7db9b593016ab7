from django.apps import AppConfig


class OrdermgmtConfig(AppConfig):
    name = "ordermgmt"
    verbose_name = "平台"

    def ready(self) -> None:
        # Celery signal handlers (web and worker): request ids into tasks, task log lines,
        # task outcome counters for the metrics endpoint.
        from . import logcontext, metrics  # noqa: F401
        from .event_views import failed_event_deliveries_panel
        from .panels import register_panel
        from .role_history import connect as record_role_changes

        record_role_changes()

        register_panel("home.queue_alerts", "failed_event_deliveries", template="portal/_event_alert_panel.html",
                       context=failed_event_deliveries_panel, order=90)
