"""The outbox through a real Celery worker and Redis: a failing SMS gateway is retried with
backoff until it answers, and a gateway that never answers leaves a 发送失败 row for staff."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from fulfillment.models import MessageStatus, NotificationMessage
from ordermgmt import roles
from orders import services as order_services
from tests.factories import make_order, user_with_role

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis, pytest.mark.postgres]


class FlakyGateway(BaseHTTPRequestHandler):
    """Answers 503 to the first ``failures`` requests, then accepts."""

    failures = 0
    requests: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append((time.monotonic(), body))
        if len(type(self).requests) <= type(self).failures:
            self.send_response(503)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"code": 0, "message_id": f"GW-{len(type(self).requests)}"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    FlakyGateway.requests = []
    server = HTTPServer(("127.0.0.1", 0), FlakyGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture
def worker(request, monkeypatch, gateway, reference_data):
    """A worker whose SMS goes through the HTTP gateway backend to ``gateway``, with short waits."""
    monkeypatch.setenv("SMS_BACKEND", "fulfillment.notifications.sms.HttpGatewayBackend")
    monkeypatch.setenv("SMS_GATEWAY_URL", f"http://127.0.0.1:{gateway.server_port}/send")
    monkeypatch.setenv("SMS_GATEWAY_TOKEN", "worker-test")
    monkeypatch.setenv("NOTIFY_RETRY_BASE_SECONDS", "1")
    monkeypatch.setenv("NOTIFY_MAX_ATTEMPTS", "3")
    return request.getfixturevalue("celery_worker_process")


def _approve_an_order():
    order = make_order(user=user_with_role(roles.SALES), contact_email="")
    order_services.order_approve(order=order, user=user_with_role(roles.REVIEWER))
    return NotificationMessage.objects.get(order=order, channel="sms")


def _wait_for(message, statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status in statuses:
            return message
        time.sleep(0.2)
    raise AssertionError(f"message still {message.status} after {timeout}s: {message.last_error}")


def test_outbox_retries_a_failing_gateway_until_it_answers(worker):
    FlakyGateway.failures = 2
    message = _approve_an_order()
    message = _wait_for(message, {MessageStatus.SENT, MessageStatus.FAILED})
    assert message.status == MessageStatus.SENT, message.last_error
    assert message.attempts == 3 and message.provider_message_id == "GW-3"
    assert "HTTP 503" in message.last_error, "the last failure stays on record"
    times = [at for at, _ in FlakyGateway.requests]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 1.9, "waits double: 1 s, then 2 s"
    assert {body["request_id"] for _, body in FlakyGateway.requests} == {f"notice-{message.pk}"}


def test_gateway_that_never_answers_leaves_a_failed_notice_for_staff(worker, client):
    FlakyGateway.failures = 99
    message = _wait_for(_approve_an_order(), {MessageStatus.SENT, MessageStatus.FAILED})
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    assert len(FlakyGateway.requests) == 3
    client.force_login(user_with_role(roles.SERVICE))
    page = client.get("/fulfillment/notifications/?status=failed").content.decode()
    assert message.order.number in page and "HTTP 503" in page
