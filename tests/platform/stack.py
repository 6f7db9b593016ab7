"""Processes the operations tests start and stop themselves: a private Redis server (to stop
it under the health check), Celery workers and beats against the test database (to kill them
mid-batch), gunicorn (to stop it with SIGTERM)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PROJECT_ROOT, need


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=45.0, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


class PrivateRedis:
    """``redis-server`` on a free loopback port, in a scratch directory, no persistence."""

    def __init__(self, workdir: Path):
        need(shutil.which("redis-server") is not None, "redis-server (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)

        def answers():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        if not wait_for(answers, timeout=10, every=0.05):
            self.stop()
            raise RuntimeError("private redis-server did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def database_url_of_test_db() -> str:
    from django.db import connection

    db = connection.settings_dict
    need(db["ENGINE"] == "django.db.backends.postgresql", "PostgreSQL (DATABASE_URL=postgres://…)")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def service_env(**extra) -> dict:
    """The environment of a worker, beat or web process against the test database."""
    from django.conf import settings

    return {
        **os.environ,
        "DATABASE_URL": database_url_of_test_db(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": os.environ["CELERY_TASK_DEFAULT_QUEUE"],
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        **extra,
    }


class ServiceProcess:
    """A process of the stack, its output in a log file, stopped like an orchestrator would."""

    def __init__(self, args: list[str], env: dict, log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "a")
        self.process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def kill_hard(self):
        """SIGKILL to the whole process group: the worker and its pool children die at once,
        as in an out-of-memory kill or a lost machine."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self, timeout=30) -> int:
        """SIGTERM, as ``docker stop`` and honcho send it; SIGKILL only if it hangs."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill_hard()
        self._log.close()
        return self.process.returncode


def celery_worker(name: str, log_path: Path, *, pool="prefork", concurrency=1, **env) -> ServiceProcess:
    queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
    return ServiceProcess(
        [sys.executable, "-m", "celery", "-A", "ordermgmt", "worker", f"--pool={pool}", "-c", str(concurrency),
         "-Q", queue, "-n", f"{name}-{queue}@localhost", "-l", "info", "--without-gossip", "--without-mingle"],
        service_env(**env), log_path,
    )


def worker_answers(name: str) -> bool:
    from ordermgmt.celery import app

    queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
    return bool(app.control.ping(destination=[f"{name}-{queue}@localhost"], timeout=1))


def point_this_process_at_the_broker(settings, redis_url: str):
    """Tasks queued by the test go through Redis to the workers it starts, not eagerly."""
    from ordermgmt.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    app.conf.result_backend = redis_url
    app.conf.task_default_queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
