"""/metrics: only with the token; request latency by view, orders per state and channel,
oldest wait per state, Celery task outcomes and queue depth, failed notices, import
durations, webhook deliveries (tests/integrations/test_metrics.py); a broken collector is reported, not fatal."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from ordermgmt import metrics, roles
from orders.models import ImportJob, OrderStatus
from tests.factories import make_order, user_with_role

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests-0123456789"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_CACHE_SECONDS = 0

    def get():
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_HOST="10.0.0.9:8000")
        assert response.status_code == 200, response.content
        samples = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples

    return get


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def test_without_a_configured_token_the_endpoint_does_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_a_missing_or_wrong_token_is_refused(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401


def test_orders_per_state_per_channel_and_the_oldest_wait(scrape):
    first = make_order(channel="online")
    make_order(channel="online")
    make_order(channel="phone")
    from orders.models import Order

    Order.objects.filter(pk=first.pk).update(status_changed_at=timezone.now() - timedelta(hours=2))
    samples = scrape()
    assert value(samples, "ordermgmt_orders_created_total", channel="online") == 2
    assert value(samples, "ordermgmt_orders_created_total", channel="phone") == 1
    waiting = Order.objects.filter(status=OrderStatus.PENDING_REVIEW).count()
    assert value(samples, "ordermgmt_orders", status="pending_review") == waiting
    assert value(samples, "ordermgmt_orders", status="closed") == 0
    oldest = Order.objects.order_by("status_changed_at").first()
    assert value(samples, "ordermgmt_orders_oldest_wait_seconds", status=oldest.status) >= 7200


def test_request_latency_by_view_is_measured(client, scrape):
    client.force_login(user_with_role(roles.SALES))
    client.get("/orders/")
    samples = scrape()
    counts = [v for (name, labels), v in samples.items()
              if name == "django_http_requests_latency_seconds_by_view_method_count"
              and ("view", "orders:list") in labels]
    assert counts and counts[0] >= 1


def test_task_outcomes_and_failed_notices_and_import_durations(scrape, settings):
    metrics.task_outcome_count("orders.tasks.run_auto_review", "failed")
    now = timezone.now()
    user = user_with_role(roles.SALES)
    for seconds in (3, 40):
        ImportJob.objects.create(original_name="a.xlsx", file="imports/a.xlsx", created_by=user,
                                 status=ImportJob.Status.IMPORTED, created_at=now - timedelta(seconds=seconds),
                                 finished_at=now)
    samples = scrape()
    assert value(samples, "ordermgmt_celery_tasks_total", task="orders.tasks.run_auto_review", outcome="failed") >= 1
    assert value(samples, "ordermgmt_notifications_failed") == 0
    assert value(samples, "ordermgmt_import_duration_seconds_bucket", le="5.0") == 1
    assert value(samples, "ordermgmt_import_duration_seconds_bucket", le="60.0") == 2
    assert value(samples, "ordermgmt_import_duration_seconds_count") == 2
    assert 42 < value(samples, "ordermgmt_import_duration_seconds_sum") < 44


def test_a_broken_collector_is_reported_and_the_rest_still_answers(scrape):
    def broken():
        raise RuntimeError("table missing")
        yield  # pragma: no cover

    metrics.register_collector("tests.broken", broken)
    try:
        samples = scrape()
    finally:
        metrics._collectors.pop("tests.broken")
    assert value(samples, "ordermgmt_metrics_collector_up", collector="tests.broken") == 0
    assert value(samples, "ordermgmt_metrics_collector_up", collector="orders") == 1


@pytest.mark.redis
def test_celery_queue_depth_and_worker_counts_come_from_redis(scrape, settings, redis_url):
    import redis
    from celery import current_app

    settings.CELERY_BROKER_URL = redis_url
    client = redis.Redis.from_url(redis_url)
    queue = current_app.conf.task_default_queue
    client.delete(queue, metrics.task_counters_key())
    client.rpush(queue, b"{}", b"{}", b"{}")
    try:
        metrics.task_outcome_count("fulfillment.tasks.send_notification", "retried")
        samples = scrape()
    finally:
        client.delete(queue, metrics.task_counters_key())
    assert value(samples, "ordermgmt_celery_queue_length", queue=queue) == 3
    assert value(samples, "ordermgmt_celery_tasks_total", task="fulfillment.tasks.send_notification",
                 outcome="retried") == 1


def test_every_metric_the_dashboard_and_alerts_use_is_exposed(client, scrape):
    import json
    import re

    from tests.conftest import PROJECT_ROOT

    make_order()
    metrics.task_outcome_count("orders.tasks.run_auto_review", "succeeded")
    client.force_login(user_with_role(roles.SALES))
    client.get("/orders/")
    exposed = {name for name, _ in scrape()}
    dashboard = json.loads((PROJECT_ROOT / "deploy/grafana-dashboard.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    expressions.append((PROJECT_ROOT / "deploy/prometheus/alerts.yml").read_text())
    used = set(re.findall(r"\b((?:ordermgmt|django)_[a-z_]+)\b", " ".join(expressions)))
    assert "ordermgmt_orders" in used and "django_http_requests_latency_seconds_by_view_method_bucket" in used
    missing = used - exposed
    assert not missing, f"used by deploy/ but not exposed: {missing}"
