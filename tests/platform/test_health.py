"""/health/live/ and /health/ready/: JSON per check with status and time, 200 or 503, no
login, nothing secret in the body, answered whatever the Host header."""

import json

import pytest
from django.db import connection

from tests.platform.stack import PrivateRedis


def _ready(client, **headers):
    response = client.get("/health/ready/", **headers)
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_live_answers_without_login_whatever_the_host(client):
    response = client.get("/health/live/", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_ready_reports_every_check_with_its_status_and_time(client):
    status, body = _ready(client, HTTP_HOST="127.0.0.1")
    assert status == 200, body
    assert body["status"] == "ok"
    assert {"database", "migrations", "media_disk"} <= set(body["checks"])
    for name, check in body["checks"].items():
        assert check["status"] == "ok", (name, check)
        assert isinstance(check["duration_ms"], float)


@pytest.mark.django_db
def test_ready_is_503_and_says_why_when_media_disk_is_short(client, settings):
    settings.HEALTH_MEDIA_MIN_FREE_MB = 10**12
    status, body = _ready(client)
    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["media_disk"]["status"] == "error"
    assert "剩余空间" in body["checks"]["media_disk"]["error"]
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_ready_is_503_while_a_migration_is_not_applied(client):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, app, name, applied FROM django_migrations WHERE app = 'ordermgmt' ORDER BY id DESC")
        row = cursor.fetchone()
        cursor.execute("DELETE FROM django_migrations WHERE id = %s", [row[0]])
    try:
        status, body = _ready(client)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO django_migrations (id, app, name, applied) VALUES (%s, %s, %s, %s)", row)
    assert status == 503
    assert body["checks"]["migrations"] == {
        "status": "error", "duration_ms": body["checks"]["migrations"]["duration_ms"],
        "error": "Unavailable: 1 个数据库迁移尚未执行（python manage.py migrate）",
    }
    assert _ready(client)[0] == 200


@pytest.mark.redis
@pytest.mark.django_db
def test_ready_is_503_when_redis_is_stopped(client, settings, tmp_path):
    redis = PrivateRedis(tmp_path)
    try:
        settings.REDIS_URL = redis.url
        settings.CELERY_BROKER_URL = redis.url
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis.url}}
        status, body = _ready(client)
        assert status == 200, body
        assert body["checks"]["broker"]["status"] == "ok" and body["checks"]["cache"]["status"] == "ok"

        redis.stop()
        status, body = _ready(client)
        raw = json.dumps(body)
    finally:
        redis.stop()
    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["cache"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"
    # Nothing a stranger could use: no address, port, URL or key of the failing service.
    assert str(redis.port) not in raw and "redis://" not in raw and settings.SECRET_KEY not in raw


@pytest.mark.celery_worker
def test_ready_asks_a_celery_worker_and_is_503_without_one(client, celery_worker_process, settings):
    status, body = _ready(client)
    assert status == 200, body
    assert body["checks"]["celery"]["status"] == "ok"

    celery_worker_process.terminate()
    celery_worker_process.wait(timeout=30)
    status, body = _ready(client)
    assert status == 503
    # The other test process's worker shares the broker and may answer the ping — but it does
    # not serve this process's queue, which the check then names.
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    assert body["checks"]["celery"]["status"] == "error"
    assert body["checks"]["celery"]["error"] in ("Unavailable: Celery workers unavailable",
                                                 f"Unavailable: No worker for Celery task queue {queue}")
