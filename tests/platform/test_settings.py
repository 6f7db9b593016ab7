import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT


def _manage(*args, **env):
    ours = {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL", "RUNSERVER_ADDRESS",
            "FIELD_ENCRYPTION_KEYS", "FIELD_BLIND_INDEX_KEY"}
    clean = {k: v for k, v in os.environ.items() if k not in ours and not k.startswith("CELERY_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 24 + "production-secret-key-for-the-check-0123456789",
    "ALLOWED_HOSTS": "orders.example.com",
    "DATABASE_URL": "postgres://ordermgmt@127.0.0.1:5432/ordermgmt",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FIELD_ENCRYPTION_KEYS": "bmV3LWtleS0wMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM=,b2xkLWtleS0wMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM=",
    "FIELD_BLIND_INDEX_KEY": "aW5kZXgta2V5LTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
}


def test_deploy_check_is_clean_with_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="orders.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("missing", ["FIELD_ENCRYPTION_KEYS", "FIELD_BLIND_INDEX_KEY"])
def test_production_refuses_to_start_without_the_personal_data_keys(missing):
    result = _manage("check", **{**PRODUCTION, missing: ""})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS and FIELD_BLIND_INDEX_KEY must be set" in result.stderr


def test_production_refuses_a_key_that_is_not_32_bytes():
    result = _manage("check", **{**PRODUCTION, "FIELD_ENCRYPTION_KEYS": "too-short"})
    assert result.returncode != 0
    assert "32 random bytes" in result.stderr


def test_dev_encrypts_with_a_derived_key_and_needs_no_variable():
    result = _manage("shell", "-c", "from django.conf import settings as s; print(len(s.FIELD_ENCRYPTION_KEYS), bool(s.FIELD_BLIND_INDEX_KEY))")
    assert result.stdout.split()[-2:] == ["1", "True"], result.stderr


def test_settings_come_from_the_environment():
    result = _manage(
        "shell", "-c",
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'],"
        " s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.TIME_ZONE, s.LANGUAGE_CODE)",
        DATABASE_URL="postgres://ordermgmt@127.0.0.1:5432/ordermgmt",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.stdout.split()[-6:] == [
        "django.db.backends.postgresql", "ordermgmt", "redis://127.0.0.1:6379/0", "False", "Asia/Shanghai", "zh-hans",
    ], result.stderr


def test_dev_defaults_need_no_service():
    result = _manage(
        "shell", "-c",
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)",
    )
    assert result.stdout.split()[-2:] == ["django.db.backends.sqlite3", "True"], result.stderr


def _site_url(**env) -> str:
    result = _manage("shell", "-c", "from django.conf import settings as s; print(s.SITE_URL)", **env)
    return result.stdout.split()[-1] if result.stdout.split() else result.stderr


def test_dev_tracking_links_point_at_the_address_make_run_serves():
    assert _site_url() == "http://127.0.0.1:8000"
    assert _site_url(RUNSERVER_ADDRESS="127.0.0.1:8123") == "http://127.0.0.1:8123"
    assert _site_url(RUNSERVER_ADDRESS="localhost:9000") == "http://localhost:9000"
    assert _site_url(RUNSERVER_ADDRESS="8124") == "http://127.0.0.1:8124"
    # Served on every interface: the link that works on this machine.
    assert _site_url(RUNSERVER_ADDRESS="0.0.0.0:8125") == "http://127.0.0.1:8125"
    assert _site_url(RUNSERVER_ADDRESS="127.0.0.1:8123", SITE_URL="https://orders.example.com/") == (
        "https://orders.example.com"
    )


def test_make_run_hands_its_address_to_the_settings():
    result = subprocess.run(["make", "-n", "run", "HOST=127.0.0.1:8123"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=60)
    (runserver,) = [line for line in result.stdout.splitlines() if "runserver" in line]
    assert "RUNSERVER_ADDRESS=127.0.0.1:8123" in runserver and runserver.endswith("runserver 127.0.0.1:8123")
