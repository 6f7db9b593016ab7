"""Prometheus metrics at ``/metrics``, for a scraper that presents ``METRICS_TOKEN``.

Three sources, one answer:

* **Requests** — django-prometheus's middleware: latency by view and method
  (``django_http_requests_latency_seconds_by_view_method``), status codes, exceptions. Under
  gunicorn each worker writes into ``PROMETHEUS_MULTIPROC_DIR`` (set by ``gunicorn.conf.py``)
  and the scrape adds them up, whichever worker answers it.
* **Celery** — queue depth (``ordermgmt_celery_queue_length``, read from the broker at
  scrape time) and task outcomes (``ordermgmt_celery_tasks_total{task,outcome}``: succeeded,
  failed, retried), counted in Redis by every worker, so one scrape of the web process sees
  all workers.
* **The business** — read from the database at scrape time by collectors that each app
  registers here (``register_collector``) in its ``AppConfig.ready()``; the platform does not
  know the apps above it. Registered today: ``orders`` (orders per state, oldest wait per
  state, orders created per channel, import durations), ``fulfillment`` (notices by outcome),
  ``integrations.webhooks`` (webhook deliveries per status, ``ordermgmt_webhook_deliveries``,
  failed = given up). Another app adds its own the same way, in its ``AppConfig.ready()``::

      register_collector("integrations.webhooks", "integrations.metrics.webhook_metrics")

  A collector is named by its dotted path (or given as a function): it is imported at the
  first scrape, so that neither management commands nor workers load the Prometheus client.
  A collector that raises is reported as ``ordermgmt_metrics_collector_up{collector} 0``
  (and logged) instead of failing the whole scrape.

Business figures are cached for ``METRICS_CACHE_SECONDS`` so that several scrapers (or a
scrape every few seconds) cost one set of queries.
"""

import hmac
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from functools import lru_cache

from celery import current_app, signals
from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import import_string

# prometheus_client is imported by the functions that build an answer (the web process, when
# scraped): a management command or a Celery worker that only counts never loads it.

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


def task_counters_key() -> str:
    """Where the workers count task outcomes: one hash per deployment (its queue)."""
    return f"ordermgmt:metrics:celery_tasks:{current_app.conf.task_default_queue}"

Collect = Callable[[], Iterable["Metric"]]
_collectors: dict[str, Collect | str] = {}


def register_collector(name: str, collect: Collect | str) -> None:
    """Add (or replace, by name) a function that yields metric families at scrape time,
    or its dotted path (imported at the first scrape)."""
    _collectors[name] = collect


# --- the endpoint ------------------------------------------------------------------

def metrics_view(request):
    """Served by ``ordermgmt.health.ProbeMiddleware``. 404 while no token is configured (the
    endpoint does not exist), 401 for a wrong or missing token."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), token.encode()):
        response = HttpResponse("metrics token required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    from prometheus_client import generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_LATEST

    body = generate_latest(_process_registry()) + generate_latest(_platform_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _process_registry():
    """The request metrics: every gunicorn worker's files when running under gunicorn,
    else this process's own."""
    from prometheus_client import REGISTRY, CollectorRegistry

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@lru_cache(maxsize=1)
def _platform_registry():
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_PlatformCollector())
    return registry


class _PlatformCollector:
    """Celery figures and every registered business collector, cached briefly."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cached: tuple[float, list] = (0.0, [])

    def collect(self):
        with self._lock:
            taken_at, families = self._cached
            if time.monotonic() - taken_at >= settings.METRICS_CACHE_SECONDS:
                families = list(self._gather())
                self._cached = (time.monotonic(), families)
        return families

    def _gather(self):
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily("ordermgmt_metrics_collector_up", "1 when the collector answered", labels=["collector"])
        sources = {"celery": celery_metrics, **_collectors}
        for name, collect in sources.items():
            try:
                if isinstance(collect, str):
                    collect = import_string(collect)
                yield from list(collect())
            except Exception:  # noqa: BLE001 - one broken source must not hide the others
                logger.exception("metrics collector %s failed", name)
                up.add_metric([name], 0)
            else:
                up.add_metric([name], 1)
        yield up


# --- Celery: queue depth and task outcomes ----------------------------------------------

def _broker_redis(url: str):
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def task_outcome_count(task_name: str, outcome: str) -> None:
    """Called by the worker's task signals (``ordermgmt.celery``). Never raises: a metrics
    hiccup must not fail a task."""
    try:
        client = _counter_client()
        if client is None:
            _local_task_counts[(task_name, outcome)] = _local_task_counts.get((task_name, outcome), 0) + 1
        else:
            client.hincrby(task_counters_key(), f"{task_name}|{outcome}", 1)
    except Exception:  # noqa: BLE001
        logger.warning("could not count task outcome %s %s", task_name, outcome, exc_info=True)


@signals.task_success.connect(weak=False)
def _count_success(sender=None, **_):
    task_outcome_count(sender.name, "succeeded")


@signals.task_failure.connect(weak=False)
def _count_failure(sender=None, **_):
    task_outcome_count(sender.name, "failed")


@signals.task_retry.connect(weak=False)
def _count_retry(sender=None, **_):
    task_outcome_count(sender.name, "retried")


# Dev and tests without Redis (eager tasks run in the web process): counted in memory.
_local_task_counts: dict[tuple[str, str], int] = {}


@lru_cache(maxsize=4)
def _counter_client_for(url: str):
    return _broker_redis(url)


def _counter_client():
    return _counter_client_for(settings.CELERY_BROKER_URL)


def celery_metrics():
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    outcomes = CounterMetricFamily("ordermgmt_celery_tasks", "Celery tasks finished, by task and outcome",
                                   labels=["task", "outcome"])
    depth = GaugeMetricFamily("ordermgmt_celery_queue_length", "Messages waiting in the Celery queue",
                              labels=["queue"])
    client = _counter_client()
    if client is None:  # tasks run eagerly in the web process: nothing ever waits
        counts = dict(_local_task_counts)
        depth.add_metric([current_app.conf.task_default_queue], 0)
    else:
        counts = {}
        for field, value in client.hgetall(task_counters_key()).items():
            task, _, outcome = field.decode().partition("|")
            counts[(task, outcome)] = int(value)
        queue = current_app.conf.task_default_queue
        depth.add_metric([queue], client.llen(queue))
    for (task, outcome), value in sorted(counts.items()):
        outcomes.add_metric([task, outcome], value)
    yield outcomes
    yield depth
