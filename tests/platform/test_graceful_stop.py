"""Stopping and killing the processes of the stack loses nothing and does nothing twice.

Real processes against the test database and Redis: a Celery worker killed with SIGKILL in
the middle of a batch (its message is delivered again to the next worker, which skips what
was done and finishes the rest), a worker stopped with SIGTERM (it finishes the batch first),
gunicorn stopped with SIGTERM while serving a request, and two beats started at once.
"""

import json
import sys
import threading
import time
import urllib.request

import pytest

from django.db.models import Count, Sum

from inventory.models import StockAllocation
from orders.models import Order, OrderEvent, OrderStatus
from ordermgmt.encryption import generate_key
from ordermgmt.queueing import enqueue
from tests.factories import ProductFactory, make_order, receive
from tests.platform.stack import (
    ServiceProcess, celery_worker, database_url_of_test_db, free_port, point_this_process_at_the_broker,
    service_env, wait_for, worker_answers,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

BATCH = 40
# A message a dead worker held becomes visible again after 4 s; workers look every second.
FAST_REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "4", "CELERY_UNACKED_RESTORE_SECONDS": "1"}
QUANTITY = 2
# The batch path reviews 250 orders per transaction: one at a time, a kill lands mid-batch.
ONE_ORDER_A_TRANSACTION = {"ORDER_BATCH_CHUNK_SIZE": "1"}


@pytest.fixture
def pending_orders(redis_url, settings):
    """BATCH orders waiting for review, nothing queued for them: the test queues the batch."""
    database_url_of_test_db()  # PostgreSQL or skip/fail
    point_this_process_at_the_broker(settings, redis_url)
    product = ProductFactory(list_price="10.00")
    receive(product, BATCH * QUANTITY * 2)
    orders = [make_order(lines=[(product, QUANTITY, "10.00")]) for _ in range(BATCH)]
    _empty_queue(redis_url)  # the single reviews queued on commit: the batch replaces them
    return [o.pk for o in orders], product


def _empty_queue(redis_url):
    import redis
    from celery import current_app

    redis.Redis.from_url(redis_url).delete(current_app.conf.task_default_queue)


def _reviewed(ids) -> int:
    return Order.objects.filter(pk__in=ids).exclude(status=OrderStatus.PENDING_REVIEW).count()


def _assert_each_order_done_exactly_once(ids, product):
    assert Order.objects.filter(pk__in=ids, status=OrderStatus.ALLOCATED).count() == BATCH, "an order was lost"
    approvals = (OrderEvent.objects.filter(order_id__in=ids, action="approve")
                 .values("order_id").annotate(n=Count("id")))
    assert sorted(a["n"] for a in approvals) == [1] * BATCH, "an order was approved twice"
    reviews = (OrderEvent.objects.filter(order_id__in=ids, action="auto_review")
               .values("order_id").annotate(n=Count("id")))
    assert sorted(r["n"] for r in reviews) == [1] * BATCH, "an order was reviewed twice"
    allocated = StockAllocation.objects.filter(order_line__order_id__in=ids, state=StockAllocation.State.ACTIVE)
    assert allocated.aggregate(total=Sum("quantity"))["total"] == BATCH * QUANTITY, "stock locked twice"


def test_a_worker_killed_mid_batch_loses_no_order_and_does_none_twice(pending_orders, tmp_path):
    ids, product = pending_orders
    # Short visibility timeout: the message of the dead worker comes back within seconds.
    first = celery_worker("doomed", tmp_path / "doomed.log", **FAST_REDELIVERY, **ONE_ORDER_A_TRANSACTION)
    try:
        assert wait_for(lambda: worker_answers("doomed"), timeout=60), first.log()
        enqueue("orders.tasks.run_auto_review_many", ids)
        assert wait_for(lambda: _reviewed(ids) >= 5, timeout=60, every=0.02), first.log()
        first.kill_hard()
    finally:
        if first.running():
            first.kill_hard()
    done_when_killed = _reviewed(ids)
    assert done_when_killed < BATCH, "the batch had finished before the kill: nothing was proven"

    second = celery_worker("rescuer", tmp_path / "rescuer.log", **FAST_REDELIVERY)
    try:
        assert wait_for(lambda: _reviewed(ids) == BATCH, timeout=90), second.log()
    finally:
        second.stop()
    _assert_each_order_done_exactly_once(ids, product)
    assert "run_auto_review_many" in second.log()


def test_a_worker_stopped_with_sigterm_finishes_its_batch_first(pending_orders, tmp_path):
    ids, product = pending_orders
    worker = celery_worker("stopping", tmp_path / "stopping.log", **ONE_ORDER_A_TRANSACTION)
    try:
        assert wait_for(lambda: worker_answers("stopping"), timeout=60), worker.log()
        enqueue("orders.tasks.run_auto_review_many", ids)
        assert wait_for(lambda: _reviewed(ids) >= 5, timeout=60, every=0.02), worker.log()
        assert _reviewed(ids) < BATCH
    finally:
        code = worker.stop(timeout=60)
    assert code == 0, worker.log()
    assert _reviewed(ids) == BATCH, "the worker left before finishing the task it had started"
    _assert_each_order_done_exactly_once(ids, product)
    assert "Warm shutdown" in worker.log()


def test_gunicorn_answers_the_request_in_flight_when_stopped_with_sigterm(redis_url, tmp_path):
    port = free_port()
    # No worker runs for this queue: the readiness probe waits for its Celery ping to time
    # out — a request that takes about a second, in flight when SIGTERM arrives.
    web = ServiceProcess(
        [sys.executable, "-m", "gunicorn", "ordermgmt.wsgi:application", "-c", "gunicorn.conf.py"],
        service_env(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", DEBUG="false",
                    SECRET_KEY="test-only-" + "x" * 40, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false",
                    FIELD_ENCRYPTION_KEYS=generate_key(), FIELD_BLIND_INDEX_KEY=generate_key(),
                    PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom")),
        tmp_path / "gunicorn.log",
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return urllib.request.urlopen(f"{base}/health/live/", timeout=2).status == 200
        except OSError:
            return False

    try:
        assert wait_for(up, timeout=60), web.log()
        answer = {}

        def slow_request():
            try:
                urllib.request.urlopen(f"{base}/health/ready/", timeout=30)
            except urllib.error.HTTPError as error:  # 503: no Celery worker, as intended
                answer["status"], answer["body"] = error.code, json.loads(error.read())

        thread = threading.Thread(target=slow_request)
        thread.start()
        time.sleep(0.4)
        code = web.stop(timeout=40)
        thread.join(timeout=30)
    finally:
        if web.running():
            web.kill_hard()
    assert code == 0, web.log()
    assert answer.get("status") == 503 and answer["body"]["checks"]["celery"]["status"] == "error", web.log()
    assert "Handling signal: term" in web.log() and "Shutting down: Master" in web.log()


def test_two_beats_send_the_schedule_once(redis_url, settings, tmp_path):
    import redis
    from celery import current_app
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    database_url_of_test_db()
    queue = current_app.conf.task_default_queue
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    # A task no schedule entry of the settings sends, so that only this tick is counted (no
    # worker consumes the queue in this test: the messages stay there to be counted).
    PeriodicTask.objects.create(name="test tick", task="orders.tasks.run_auto_review", args="[0]",
                                interval=every_second, queue=queue)
    broker = redis.Redis.from_url(redis_url)
    broker.delete(queue)

    def beat(name):
        return ServiceProcess(
            [sys.executable, "-m", "celery", "-A", "ordermgmt", "beat", "-l", "info",
             "--pidfile", str(tmp_path / f"{name}.pid"), "-s", str(tmp_path / f"{name}-schedule")],
            service_env(BEAT_LOCK_SECONDS="3"), tmp_path / f"{name}.log",
        )

    def sent():
        return sum(1 for raw in broker.lrange(queue, 0, -1) if b"orders.tasks.run_auto_review" in raw)

    first, second = beat("beat-a"), beat("beat-b")
    try:
        assert wait_for(lambda: sent() >= 1, timeout=60), first.log() + second.log()
        start = sent()
        time.sleep(8)
        in_eight_seconds = sent() - start
        holder, standby = (first, second) if "holding the beat lock" in first.log() else (second, first)
        assert "standing by" in standby.log(), standby.log()

        holder.kill_hard()  # the holder dies without releasing: the standby takes over after expiry
        assert wait_for(lambda: "holding the beat lock" in standby.log(), timeout=30), standby.log()
        taken_over = sent()
        time.sleep(4)
        after_takeover = sent() - taken_over
    finally:
        for process in (first, second):
            if process.running():
                process.stop()
        broker.delete(queue)
    # One beat at once: one message a second (two beats would send about 16 in 8 s).
    assert 5 <= in_eight_seconds <= 10, in_eight_seconds
    assert after_takeover >= 2, "the standby did not take over the schedule"
