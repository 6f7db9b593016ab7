"""examples/channel_client.py against the live app: it pushes a batch from a JSON file with an
idempotency key, retries after a lost answer without creating anything twice, and its tiny
receiver accepts the platform's signed webhooks and refuses forged ones."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from integrations.services import webhook_subscription_create
from orders.models import Order
from tests.conftest import PROJECT_ROOT

from .conftest import make_channel, order_body

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = PROJECT_ROOT / "examples" / "channel_client.py"


class AnswerLosingProxy:
    """Forwards HTTP requests to the app; the first answer is thrown away and the connection
    dropped — the request was handled, the client never hears of it."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream, self.connections = upstream, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._relay, args=(conn, self.connections == 1), daemon=True).start()

    def _relay(self, conn, lose_the_answer: bool):
        with conn, socket.create_connection(self.upstream) as upstream:
            request = _read_request(conn)
            upstream.sendall(request)
            answer = b"".join(iter(lambda: upstream.recv(65536), b""))
            if not lose_the_answer:
                conn.sendall(answer)

    def close(self):
        self.listener.close()


def _read_request(conn) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def receiver_process(tmp_path):
    def start(secret: str, port: int):
        log = tmp_path / "events.jsonl"
        process = subprocess.Popen([sys.executable, str(CLIENT), "receive", "--port", str(port), "--secret", secret,
                                    "--log", str(log)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(process)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        return log

    started: list = []
    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_the_reference_client_pushes_once_despite_a_lost_answer_and_verifies_webhooks(
        live_server, shop, reference_data, receiver_process, tmp_path):
    api_client, token = make_channel()
    port = _free_port()
    webhook_url = f"http://127.0.0.1:{port}/webhooks"
    _subscription, secret = webhook_subscription_create(user=None, client=api_client, url=webhook_url,
                                                        event_types=["order.created"])
    events = receiver_process(secret, port)

    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps({"orders": [order_body(external_ref=f"TB-9{i}") for i in range(3)]},
                                      ensure_ascii=False), encoding="utf-8")
    host, port = live_server.thread.host, live_server.thread.port
    proxy = AnswerLosingProxy((host, port))
    try:
        pushed = subprocess.run([sys.executable, str(CLIENT), "push", str(orders_file), "--url", proxy.url,
                                 "--token", token, "--wait", "0.2"], capture_output=True, text=True, timeout=120)
    finally:
        proxy.close()
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "no answer" in pushed.stderr and "retrying with the same key" in pushed.stderr
    assert "3 created, 0 duplicates, 0 rejected (attempt 2, replayed)" in pushed.stdout
    assert Order.objects.filter(channel_code="taobao-shop-1").count() == 3

    again = subprocess.run([sys.executable, str(CLIENT), "push", str(orders_file), "--url", live_server.url,
                            "--token", token], capture_output=True, text=True, timeout=120)
    assert "3 created" in again.stdout and "replayed" in again.stdout, "run again: the same answer, nothing new"
    assert Order.objects.count() == 3

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not events.exists() or len(events.read_text().splitlines()) < 3):
        time.sleep(0.1)
    received = [json.loads(line) for line in events.read_text().splitlines()]
    assert sorted(e["order"] for e in received) == sorted(Order.objects.values_list("number", flat=True))
    assert {e["type"] for e in received} == {"order.created"} and all(e["verified"] for e in received)

    forged = urllib.request.Request(webhook_url, data=b'{"type":"order.created"}', method="POST", headers={
        "webhook-id": "msg_forged", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,Zm9yZ2Vk"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 401


def test_the_receivers_signature_check_agrees_with_the_standard_webhooks_library():
    from datetime import datetime, timezone

    from standardwebhooks import Webhook

    sys.path.insert(0, str(CLIENT.parent))
    try:
        import channel_client
    finally:
        sys.path.remove(str(CLIENT.parent))
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"type":"order.created","data":{}}'
    now = datetime.now(timezone.utc)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": Webhook(secret).sign("msg_1", now, body)}
    assert channel_client.signature_valid(secret, headers, body)
    assert not channel_client.signature_valid(secret, headers, body + b" ")
    assert not channel_client.signature_valid(secret, headers, body, now=now.timestamp() + 301)
    assert not channel_client.signature_valid("whsec_" + "A" * 32, headers, body)
    assert os.access(CLIENT, os.R_OK)
