"""Who and what a log line belongs to: the request id, the user id, the Celery task.

Every request gets a request id (the proxy's ``X-Request-ID`` when it sends a sane one, else
a new one), answered in the ``X-Request-ID`` header and shown on the 500 page so that a user
can quote it. The id travels with every Celery task the request queues (a message header set
when the task is published), and every log line written while the request or the task runs
carries it, with the user's id (never the name) and the task's name and id.

One line per request (logger ``ordermgmt.requests``): method, path (personal data masked),
status, duration, user id. Celery tasks log start, success, failure and retry lines
(logger ``ordermgmt.tasks``) with the same ids.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from celery import signals
from django.conf import settings

from .privacy import mask_personal_data

REQUEST_ID_HEADER = "X-Request-ID"
# The message header that carries the id into a task (and on into the tasks it queues).
TASK_HEADER = "request_id"

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)
task_var: ContextVar[tuple[str, str] | None] = ContextVar("task", default=None)

# What a proxy may hand us as an id: short, no spaces, nothing a log reader could trip on.
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_logger = logging.getLogger("ordermgmt.requests")
task_logger = logging.getLogger("ordermgmt.tasks")


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str:
    return request_id_var.get()


class RequestContextFilter(logging.Filter):
    """Puts the ids of the request or task being served on every record (as attributes: the
    JSON formatter writes them as fields, the text format can name them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or request_id_var.get() or None
        if getattr(record, "user_id", None) is None:
            record.user_id = user_id_var.get()
        task = task_var.get()
        if task is not None and not getattr(record, "task_id", None):
            record.task_name, record.task_id = task
        return True


class RequestContextMiddleware:
    """First in the chain (after the health probes): the id, the timing and the one line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if _ACCEPTED_ID.match(incoming) else new_request_id()
        id_token = request_id_var.set(request.request_id)
        user_token = user_id_var.set(None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            if settings.REQUEST_LOG:
                _log_request(request, response.status_code, time.perf_counter() - started)
            return response
        finally:
            request_id_var.reset(id_token)
            user_id_var.reset(user_token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Runs after the authentication middleware: the user is known from here on.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id_var.set(user.pk)


def _log_request(request, status: int, seconds: float) -> None:
    path = mask_personal_data(request.path)
    duration_ms = round(seconds * 1000, 1)
    level = logging.ERROR if status >= 500 else logging.INFO
    request_logger.log(
        level, "%s %s %s %sms", request.method, path, status, duration_ms,
        extra={"method": request.method, "path": path, "status": status, "duration_ms": duration_ms,
               "user_id": user_id_var.get()},
    )


# --- Celery: the id into the message, out of it in the worker, and the task's lines --------

@signals.before_task_publish.connect(weak=False)
def _attach_request_id(headers=None, **_):
    request_id = request_id_var.get()
    if headers is not None and request_id and not headers.get(TASK_HEADER):
        headers[TASK_HEADER] = request_id


_task_started: dict[str, float] = {}


@signals.task_prerun.connect(weak=False)
def _task_started_line(task_id=None, task=None, **_):
    request_id = getattr(task.request, TASK_HEADER, None) or request_id_var.get() or new_request_id()
    task.request.ordermgmt_tokens = (request_id_var.set(request_id), task_var.set((task.name, task_id)))
    _task_started[task_id] = time.perf_counter()
    task_logger.info("task %s started", task.name, extra={"event": "task_started"})


@signals.task_success.connect(weak=False)
def _task_succeeded_line(sender=None, **_):
    started = _task_started.get(sender.request.id)
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    task_logger.info("task %s succeeded in %sms", sender.name, duration_ms,
                     extra={"event": "task_succeeded", "duration_ms": duration_ms})


@signals.task_retry.connect(weak=False)
def _task_retry_line(sender=None, reason=None, **_):
    task_logger.warning("task %s retrying: %s", sender.name, mask_personal_data(str(reason)),
                        extra={"event": "task_retrying"})


@signals.task_failure.connect(weak=False)
def _task_failed_line(sender=None, exception=None, **_):
    task_logger.error("task %s failed: %s", sender.name, type(exception).__name__,
                      extra={"event": "task_failed"})


@signals.task_postrun.connect(weak=False)
def _task_finished(task_id=None, task=None, **_):
    _task_started.pop(task_id, None)
    tokens = getattr(task.request, "ordermgmt_tokens", None)
    if tokens:
        request_token, task_token = tokens
        task.request.ordermgmt_tokens = None
        try:
            task_var.reset(task_token)
            request_id_var.reset(request_token)
        except ValueError:  # set in another context (a task run eagerly from a thread pool)
            task_var.set(None)
