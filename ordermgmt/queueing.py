"""Queueing a Celery task by its registered name.

Services queue work for the workers, and the tasks call the services: if a service imported
its task module, the two would import each other. Naming the task instead keeps the
dependency one way (tasks → services). The task still runs in-process when
``CELERY_TASK_ALWAYS_EAGER`` is on (dev, tests), because the name resolves to the
registered task object.
"""

from celery import current_app


def registered_task(task_name: str):
    """The task object; the apps' ``tasks`` modules are imported on first use (a web process
    otherwise imports only those its code happened to touch). ``KeyError`` for a typo."""
    try:
        return current_app.tasks[task_name]
    except KeyError:
        current_app.loader.import_default_modules()  # Celery's autodiscovery of every app's tasks
        return current_app.tasks[task_name]


def enqueue(task_name: str, *args, countdown: float | None = None, **kwargs):
    """Queue ``task_name`` (as registered with ``@shared_task(name=…)``) with these arguments."""
    task = registered_task(task_name)
    if countdown:
        return task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
    return task.apply_async(args=args, kwargs=kwargs)
