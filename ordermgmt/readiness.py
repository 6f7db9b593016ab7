"""The readiness checks behind ``/health/ready/`` (see ``ordermgmt.health``), on
django-health-check's runner. Imported at the first probe: management commands, which import
every middleware for Django's system checks, do not load the checks' clients."""

import asyncio
import dataclasses
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
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


_ready = ReadinessView.as_view()


def ready(request):
    """django-health-check runs its checks concurrently on an event loop; a sync worker has
    none, but a thread might (the test run's browser driver): the loop gets a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(async_to_sync(_ready), request).result()
