"""deploy/backup.sh and deploy/restore.sh on PostgreSQL: the demo data backed up, restored
into a new empty database, has the same orders, timeline events and files; old backups go
beyond the retention count; a restore never writes into a database that has data."""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ADD_AN_UPLOADED_FILE = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from orders.models import ImportJob
name = default_storage.save("imports/2026/12/订单导入.xlsx", ContentFile(b"PK-not-really-a-workbook"))
ImportJob.objects.create(original_name="订单导入.xlsx", file=name, created_by=get_user_model().objects.first())
default_storage.save("proofs/3f2a.png", ContentFile(bytes(range(256)) * 40))
"""


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{name}"


def _admin(sql: str) -> None:
    db = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", user=db["USER"], password=db.get("PASSWORD") or None,
                            host=db["HOST"], port=db["PORT"])
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def _run(args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "true", "REDIS_URL": "", **env})


def _fingerprint(name: str) -> dict:
    """What must survive: every order, every timeline event, every stored file reference."""
    db = connection.settings_dict
    conn = psycopg2.connect(dbname=name, user=db["USER"], password=db.get("PASSWORD") or None,
                            host=db["HOST"], port=db["PORT"])
    queries = {
        "orders": "SELECT number, status, total::text, customer_id FROM orders_order ORDER BY number",
        "events": "SELECT order_id, action, kind, created_at::text FROM orders_orderevent ORDER BY id",
        "files": "SELECT file FROM orders_importjob ORDER BY id",
        "proof_files": "SELECT file FROM fulfillment_prooffile ORDER BY id",
        "users": "SELECT username, password FROM auth_user ORDER BY id",
    }
    with conn.cursor() as cursor:
        result = {}
        for key, sql in queries.items():
            cursor.execute(sql)
            result[key] = cursor.fetchall()
    conn.close()
    return result


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_backup_of_the_demo_data_restores_into_a_new_database_with_the_same_orders_events_and_files(
        on_postgres, tmp_path):
    base = connection.settings_dict["NAME"]
    source, restored = f"{base}_backup_src", f"{base}_backup_restored"
    for name in (source, restored):
        _admin(f'DROP DATABASE IF EXISTS "{name}"')
        _admin(f'CREATE DATABASE "{name}"')
    media, media_restored, backups = tmp_path / "media", tmp_path / "media-restored", tmp_path / "backups"
    try:
        env = {"DATABASE_URL": _url(source), "MEDIA_ROOT": str(media)}
        for step in (["migrate", "--noinput", "-v", "0"], ["seed_demo"], ["shell", "-c", ADD_AN_UPLOADED_FILE]):
            done = _run([sys.executable, "manage.py", *step], **env)
            assert done.returncode == 0, done.stdout + done.stderr
        for _ in range(3):
            time.sleep(1.1)  # backups are named by the second
            done = _run(["deploy/backup.sh", str(backups)], BACKUP_KEEP="2", **env)
            assert done.returncode == 0, done.stdout + done.stderr
        kept = sorted(backups.iterdir())
        assert len(kept) == 2 and "removed old backup" in done.stdout, "retention keeps the newest 2"
        latest = kept[-1]
        assert {p.name for p in latest.iterdir()} == {"database.dump", "media.tar.gz", "SHA256SUMS", "INFO"}

        target = {"DATABASE_URL": _url(restored), "MEDIA_ROOT": str(media_restored)}
        done = _run(["deploy/restore.sh", str(latest)], **target)
        assert done.returncode == 0, done.stdout + done.stderr

        before, after = _fingerprint(source), _fingerprint(restored)
        assert len(before["orders"]) > 50 and len(before["events"]) > 100, "the demo data was seeded"
        assert after == before
        assert _tree(media_restored) == _tree(media)
        assert after["proof_files"], "the demo data has delivery proofs"
        for (name,) in after["proof_files"]:
            assert (media_restored / name).is_file(), f"{name} is referenced but was not restored"
        (stored_file,) = after["files"]
        assert (media_restored / stored_file[0]).read_bytes() == b"PK-not-really-a-workbook"

        # The restored copy is a working database: Django finds nothing to migrate.
        check = _run([sys.executable, "manage.py", "migrate", "--check"], **target)
        assert check.returncode == 0, check.stdout + check.stderr

        # A second restore finds data and refuses before writing anything.
        again = _run(["deploy/restore.sh", str(latest)], DATABASE_URL=_url(restored),
                     MEDIA_ROOT=str(tmp_path / "elsewhere"))
        assert again.returncode != 0 and "already has" in again.stderr
        assert _fingerprint(restored) == before

        # A damaged backup is refused before anything is written.
        with open(latest / "media.tar.gz", "ab") as damaged:
            damaged.write(b"x")
        _admin(f'DROP DATABASE "{restored}"')
        _admin(f'CREATE DATABASE "{restored}"')
        broken = _run(["deploy/restore.sh", str(latest)], DATABASE_URL=_url(restored),
                      MEDIA_ROOT=str(tmp_path / "elsewhere2"))
        assert broken.returncode != 0 and "damaged" in broken.stderr
    finally:
        for name in (source, restored):
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
