"""Idempotency under concurrency, on PostgreSQL: twenty requests at once never make two orders."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from orders.models import Order

from .conftest import make_channel, order_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def _all_at_once(requests: list[dict]) -> list:
    """Send each request from its own thread (and database connection), released together."""
    barrier = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def send(index, request):
        try:
            barrier.wait()
            response = Client().post("/api/v1/orders/", json.dumps(request["body"]), content_type="application/json",
                                     HTTP_AUTHORIZATION=f"Bearer {request['token']}",
                                     HTTP_IDEMPOTENCY_KEY=request["key"])
            answers[index] = (response.status_code, response.content, response.get("Idempotent-Replayed"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@pytest.fixture
def setting_up(on_postgres, reference_data, shop):
    _client, token = make_channel(rate_limit="1000/m")
    return token


def test_twenty_requests_with_one_key_and_body_make_one_order_and_twenty_identical_answers(setting_up):
    answers = _all_at_once([{"token": setting_up, "key": "same-key", "body": order_body()}] * THREADS)
    assert Order.objects.count() == 1
    assert {status for status, _body, _replayed in answers} == {201}
    assert len({body for _status, body, _replayed in answers}) == 1, "every answer is the first one"
    assert sorted(replayed or "" for *_, replayed in answers) == [""] + ["true"] * (THREADS - 1)
    assert json.loads(answers[0][1])["number"] == Order.objects.get().number


def test_twenty_requests_with_one_external_ref_under_different_keys_make_one_order_and_19_conflicts(setting_up):
    answers = _all_at_once([{"token": setting_up, "key": f"key-{i}", "body": order_body(external_ref="TB-RACE")}
                            for i in range(THREADS)])
    order = Order.objects.get()
    statuses = sorted(status for status, *_ in answers)
    assert statuses == [201] + [409] * (THREADS - 1)
    conflicts = [json.loads(body) for status, body, _ in answers if status == 409]
    assert {c["code"] for c in conflicts} == {"duplicate_order"}
    assert {c["order"]["number"] for c in conflicts} == {order.number}
