import os

from celery import Celery, Task, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermgmt.settings")


class PlatformLanguageTask(Task):
    """Tasks write records and notices in the platform's language. A worker has no active
    language anyway; eager tasks (dev, tests) run inside the request that queued them and
    would otherwise follow that user's UI language."""

    def __call__(self, *args, **kwargs):
        # Imported when a task runs: this module is loaded with the settings, before Django is set up.
        from ordermgmt.language import platform_language
        from ordermgmt.scoped_cache import cache_scope

        # One cache scope per task: policies and price rules are read once per task.
        with platform_language(), cache_scope():
            return super().__call__(*args, **kwargs)


app = Celery("ordermgmt", task_cls=PlatformLanguageTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect(weak=False)
def _use_django_logging(**_):
    """The worker and beat log through ``settings.LOGGING`` (JSON with LOG_FORMAT=json, the
    personal-data filter, the request and task ids), which django.setup() has normally
    applied already; having a receiver here stops Celery from replacing the root handlers
    with its own."""
    import logging
    from logging.config import dictConfig

    from django.conf import settings

    if not logging.getLogger().handlers:
        dictConfig(settings.LOGGING)
