"""Health probes for the proxy and the orchestrator (django-health-check underneath).

``/health/live/``: the process answers (no dependency is asked: a database outage must not
make the orchestrator restart every web process). ``/health/ready/``: every dependency a
request or a job needs —

==============  =====================================================================
``database``    ``SELECT 1`` on the primary (and ``database_replica`` when one is set)
``migrations``  no migration of the code is missing from the database
``broker``      the Celery broker (Redis) answers a ping
``cache``       the shared cache (Redis) stores and reads a key
``celery``      a Celery worker consuming our queue answers a ping (when tasks are not eager)
``media_disk``  ``MEDIA_ROOT`` is writable and has ``HEALTH_MEDIA_MIN_FREE_MB`` free
==============  =====================================================================

Both answer JSON, 200 when every check passes, else 503, with each check's status and time
in milliseconds. They need no login and say nothing secret: a library check's failure is
named by its kind only (its message may carry a host name or an address); our own checks
explain themselves. The probes are served by ``ProbeMiddleware`` before host validation and
the HTTPS redirect, so a container's health command can call ``http://127.0.0.1:8000``.
"""

import asyncio
import dataclasses
import os
import shutil
from pathlib import Path

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as AsyncRedis

LIVE_PATH = "/health/live/"
READY_PATH = "/health/ready/"


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    """Code deployed ahead of ``migrate`` would fail on the first query of a new column."""

    explains_itself = True

    def run(self):
        connection = connections["default"]
        try:
            executor = MigrationExecutor(connection)
            missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as error:
            raise ServiceUnavailable("数据库不可用，无法检查迁移") from error
        finally:
            connection.close()  # this runs in a pool thread: its connection would stay open
        if missing:
            raise ServiceUnavailable(f"{len(missing)} 个数据库迁移尚未执行（python manage.py migrate）")


@dataclasses.dataclass
class MediaDiskSpace(HealthCheck):
    """Delivery proofs and after-sales photos are written under MEDIA_ROOT."""

    explains_itself = True

    def run(self):
        root = Path(settings.MEDIA_ROOT)
        existing = next(p for p in (root, *root.parents) if p.exists())
        if not os.access(existing, os.W_OK):
            raise ServiceUnavailable("上传目录不可写")
        free_mb = shutil.disk_usage(existing).free // (1024 * 1024)
        if free_mb < settings.HEALTH_MEDIA_MIN_FREE_MB:
            raise ServiceUnavailable(f"上传目录剩余空间 {free_mb} MB，低于 {settings.HEALTH_MEDIA_MIN_FREE_MB} MB")


@dataclasses.dataclass
class CeleryWorker(Ping):
    """A worker answers and consumes our queue; the first answer is enough."""

    explains_itself = True


def readiness_checks() -> dict[str, HealthCheck]:
    """The checks that apply to this configuration, by the name the JSON shows."""
    checks: dict[str, HealthCheck] = {"database": Database(alias="default")}
    if "replica" in settings.DATABASES:
        checks["database_replica"] = Database(alias="replica")
    checks["migrations"] = MigrationsApplied()
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        broker_url = settings.CELERY_BROKER_URL
        checks["broker"] = Redis(client_factory=lambda: AsyncRedis.from_url(
            broker_url, socket_connect_timeout=2, socket_timeout=2))
    if settings.REDIS_URL:
        checks["cache"] = Cache(alias="default")
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from ordermgmt.celery import app

        checks["celery"] = CeleryWorker(app=app, limit=1)
    checks["media_disk"] = MediaDiskSpace()
    return checks


class ReadinessView(HealthCheckView):
    """django-health-check's runner with our check list and our JSON, always JSON."""

    def get_checks(self):
        self.names = readiness_checks()
        yield from self.names.values()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        return self.render_to_response_json(status=200)

    def render_to_response_json(self, status):
        by_check = {id(check): name for name, check in self.names.items()}
        checks = {}
        for result in self.results:
            entry = {"status": "ok" if result.error is None else "error",
                     "duration_ms": round(result.time_taken * 1000, 1)}
            if result.error is not None:
                explained = getattr(result.check, "explains_itself", False)
                entry["error"] = str(result.error) if explained else result.error.message_type
            checks[by_check[id(result.check)]] = entry
        healthy = all(entry["status"] == "ok" for entry in checks.values())
        return JsonResponse({"status": "ok" if healthy else "error", "checks": checks},
                            status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})


def live(request):
    return JsonResponse({"status": "ok"})


_ready = ReadinessView.as_view()


def ready(request):
    return async_to_sync(_ready)(request)


class ProbeMiddleware:
    """Answers the probes first in the chain: before host validation (a container's health
    command asks 127.0.0.1), the HTTPS redirect (the proxy talks plain HTTP inside) and the
    request log (a probe every few seconds is not traffic). The metrics endpoint is served
    the same way (``ordermgmt.metrics``), behind its own token."""

    def __init__(self, get_response):
        self.get_response = get_response
        from .metrics import METRICS_PATH, metrics_view

        self.routes = {LIVE_PATH: live, READY_PATH: ready, METRICS_PATH: metrics_view}

    def __call__(self, request):
        view = self.routes.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            response = view(request)
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
