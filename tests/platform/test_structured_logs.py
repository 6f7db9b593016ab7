"""LOG_FORMAT=json: one JSON line per request with request id, user id (not name), duration
and status; the id on the 500 page and in the Celery tasks the request queued; task lines
with the same ids; personal data masked in every field."""

import io
import json
import logging

import pytest
from celery import current_app
from django.urls import path

from ordermgmt import roles
from ordermgmt.logformat import JsonLogFormatter
from ordermgmt.logcontext import RequestContextFilter
from ordermgmt.logfilters import MaskPersonalData
from ordermgmt.queueing import enqueue
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines(settings):
    """Every record of the app's loggers, formatted as production's JSON handler does."""
    settings.REQUEST_LOG = True
    # Celery's first look-up of the apps' tasks runs django.setup() again, which re-applies
    # LOGGING and would drop this handler: done before it is added.
    current_app.loader.import_default_modules()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(RequestContextFilter())
    handler.addFilter(MaskPersonalData())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def boom(request):
    logging.getLogger("ordermgmt.test").info("about to fail for 13812345678")
    raise RuntimeError("broken for zhang.san@example.com")


def queue_a_task(request):
    enqueue("ordermgmt.redeliver_due_events")
    from django.http import HttpResponse

    return HttpResponse("queued")


urlpatterns = [path("boom/", boom), path("queue/", queue_a_task)]
handler500 = "ordermgmt.views.server_error"


def test_one_json_line_per_request_with_request_id_user_id_duration_and_status(client, json_lines):
    user = user_with_role(roles.SALES)
    client.force_login(user)
    response = client.get("/orders/")
    assert response.status_code == 200
    (line,) = [entry for entry in json_lines() if entry["logger"] == "ordermgmt.requests"]
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32
    assert line["user_id"] == user.pk and user.username not in json.dumps(line)
    assert line["status"] == 200 and line["method"] == "GET" and line["path"] == "/orders/"
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and "time" in line


def test_a_request_id_from_the_proxy_is_kept(client, json_lines):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="proxy-4f2a9c0d")
    assert response["X-Request-ID"] == "proxy-4f2a9c0d"
    assert [e["request_id"] for e in json_lines() if e["logger"] == "ordermgmt.requests"] == ["proxy-4f2a9c0d"]


def test_the_500_page_shows_the_request_id_every_line_of_that_request_carries(client, json_lines, settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert f'<code data-testid="request-id">{request_id}</code>' in response.content.decode()
    lines = json_lines()
    mine = [e for e in lines if e.get("request_id") == request_id]
    assert {e["logger"] for e in mine} >= {"ordermgmt.test", "django.request", "ordermgmt.requests"}
    text = json.dumps(lines, ensure_ascii=False)
    assert "13812345678" not in text and "138****5678" in text
    assert "zhang.san@example.com" not in text and "z***@example.com" in text  # in the traceback too
    error = next(e for e in mine if e["logger"] == "django.request")
    assert "RuntimeError" in error["exc_info"] and "request" not in error


def test_a_task_queued_by_a_request_logs_start_and_success_with_its_request_id(client, json_lines, settings):
    settings.ROOT_URLCONF = __name__
    response = client.get("/queue/")  # eager in tests: the task runs inside the request
    request_id = response["X-Request-ID"]
    lines = json_lines()
    tasks = [e for e in lines if e["logger"] == "ordermgmt.tasks"]
    assert [e["event"] for e in tasks] == ["task_started", "task_succeeded"]
    for entry in tasks:
        assert entry["request_id"] == request_id
        assert entry["task_name"] == "ordermgmt.redeliver_due_events" and entry["task_id"]


def test_a_tracking_link_token_never_reaches_the_json_log(client, json_lines):
    client.get("/track/s/AbCdEf12:1sX9aB:abcdefghijklmnopqrstuvwxyz0123/")
    text = json.dumps(json_lines())
    assert "abcdefghijklmnopqrstuvwxyz0123" not in text
    assert "/track/s/***" in text


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_logs_the_task_with_the_request_id_of_the_request_that_queued_it(client, settings, redis_url,
                                                                                        tmp_path):
    from tests.platform.stack import celery_worker, point_this_process_at_the_broker, wait_for, worker_answers

    settings.ROOT_URLCONF = __name__
    worker = celery_worker("logs", tmp_path / "worker.log", LOG_FORMAT="json")
    try:
        assert wait_for(lambda: worker_answers("logs"), timeout=60), worker.log()
        point_this_process_at_the_broker(settings, redis_url)
        request_id = client.get("/queue/", HTTP_X_REQUEST_ID="req-from-proxy-42")["X-Request-ID"]

        def task_lines():
            lines = [json.loads(line) for line in worker.log().splitlines() if line.startswith("{")]
            return [e for e in lines if e["logger"] == "ordermgmt.tasks"]

        assert wait_for(lambda: len(task_lines()) >= 2, timeout=30), worker.log()
    finally:
        worker.stop()
    started, succeeded = task_lines()[:2]
    assert request_id == "req-from-proxy-42"
    assert started["event"] == "task_started" and succeeded["event"] == "task_succeeded"
    assert started["request_id"] == succeeded["request_id"] == request_id
    assert started["task_id"] == succeeded["task_id"] and started["task_name"] == "ordermgmt.redeliver_due_events"
