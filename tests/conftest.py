"""Shared test setup.

Services that a test needs (PostgreSQL, Redis, a Celery worker, Chromium) are used when
available and skipped otherwise — except when ``REQUIRE_SERVICES=1`` (set by ``.ci/run``):
then a missing service is a test failure, never a silent skip.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the
# same browser tests are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def need(condition: bool, what: str) -> None:
    """Skip when a service is missing in a developer run; fail in CI."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required in CI (REQUIRE_SERVICES=1) but is not available")
    pytest.skip(f"{what} not available")


def pytest_configure(config):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # Each test process gets its own Celery queue, so that a worker started for one
    # process never picks up another process's tasks (they use different test databases).
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"test-{worker}-{os.getpid()}"


class LockoutAwareClient(Client):
    """Django's test client, whose ``login`` goes through the login lockout like a real login.

    django-axes refuses ``authenticate`` calls without the request (it counts failures per
    username + address), and ``Client.login`` passes none: this one passes a login POST from
    the test client's address. ``force_login`` never authenticates and needs nothing. Failed
    attempts are rows in the test database, gone when the test's transaction or flush ends.
    """

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/accounts/login/"))
        return super().login(**credentials)


@pytest.fixture
def client():
    return LockoutAwareClient()


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def reference_data(transactional_db):
    """What the data migrations create (role groups, notice templates, complaint categories). A transactional test
    empties every table when it ends, so the next one puts these rows back first."""
    from fulfillment.notifications.defaults import ensure_default_templates
    from ordermgmt.roles import sync_roles
    from servicedesk.categories import ensure_default_categories

    sync_roles()
    ensure_default_templates()
    ensure_default_categories()


@pytest.fixture
def on_postgres():
    from django.db import connection

    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def redis_url():
    from django.conf import settings

    need(bool(settings.REDIS_URL), "Redis (REDIS_URL=redis://…)")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.RedisError as error:  # pragma: no cover - only when the server is down
        need(False, f"Redis at {settings.REDIS_URL} ({error})")
    return settings.REDIS_URL


# --- browser ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


CHROMIUM_HINT = (
    f"Chromium not found at {CHROMIUM}: browser tests skipped "
    "(apt-get install chromium, or point CHROMIUM_PATH at a Chromium binary)"
)


def chromium_present() -> bool:
    path = Path(CHROMIUM)
    return (path.is_file() and os.access(path, os.X_OK)) or (
        os.sep not in CHROMIUM and shutil.which(CHROMIUM) is not None
    )


def _needs_missing_chromium(item) -> bool:
    uses_browser = item.get_closest_marker("browser") is not None or "page" in getattr(item, "fixturenames", ())
    return uses_browser and not chromium_present()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Decide about browser tests before any fixture is set up: pytest-playwright launches
    the browser in a session fixture, which would otherwise error before a function-scoped
    check could skip. Without Chromium a browser test is skipped with one line that says how
    to get it; in CI (REQUIRE_SERVICES=1) it fails with that line."""
    if not _needs_missing_chromium(item):
        return None
    from _pytest.reports import TestReport

    if REQUIRE_SERVICES:
        outcome, when, longrepr = "failed", "call", f"{CHROMIUM_HINT} — required in CI (REQUIRE_SERVICES=1)"
    else:
        path, line, _ = item.location
        outcome, when, longrepr = "skipped", "setup", (path, (line or 0) + 1, f"Skipped: {CHROMIUM_HINT}")
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    report = TestReport(item.nodeid, item.location, keywords={m.name: 1 for m in item.iter_markers()},
                        outcome=outcome, longrepr=longrepr, when=when)
    item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


@pytest.fixture
def chromium_available():
    need(chromium_present(), f"Chromium at {CHROMIUM}")


# --- real Celery workers ------------------------------------------------------------

class CeleryWorkers:
    """``count`` worker processes (``celery worker --pool=solo``) on this test process's
    queue, against the test database and Redis."""

    def __init__(self, count: int, *, redis_url: str, settings):
        from django.db import connection

        db = connection.settings_dict
        if db["ENGINE"] != "django.db.backends.postgresql":
            need(False, "PostgreSQL for the Celery worker test (the worker is a separate process)")
        database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        if db.get("PASSWORD"):
            database_url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        self.queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "EMAIL_BACKEND": settings.EMAIL_BACKEND,
        }
        self.redis_url = redis_url
        self.settings = settings
        self.count = count
        self.processes = []

    def start(self):
        from ordermgmt.celery import app

        for index in range(self.count):
            hostname = f"test-{self.queue}-{index}@localhost"
            log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"celery-{self.queue}-{index}.log", "w")
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "ordermgmt", "worker", "--pool=solo", "-c", "1",
                 "-Q", self.queue, "-n", hostname, "-l", "info", "--without-gossip", "--without-mingle"],
                cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
            process.hostname, process.log, process.log_path = hostname, log, log.name
            self.processes.append(process)
        self.settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.task_always_eager = False
        app.conf.broker_url = self.redis_url
        app.conf.result_backend = self.redis_url
        app.conf.task_default_queue = self.queue
        deadline = time.monotonic() + 60
        waiting = {p.hostname for p in self.processes}
        while waiting and time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"Celery worker exited early, see {process.log_path}")
            for reply in app.control.ping(destination=sorted(waiting), timeout=1):
                waiting -= set(reply)
        if waiting:
            raise RuntimeError(f"Celery workers did not answer within 60 s: {sorted(waiting)}")
        return self

    def stop(self):
        from ordermgmt.celery import app

        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            process.log.close()
        app.conf.task_always_eager = True

    def logs_by_worker(self) -> list[str]:
        logs = []
        for process in self.processes:
            with open(process.log_path) as log:
                logs.append(log.read())
        return logs

    def logs(self) -> str:
        return "\n".join(self.logs_by_worker())


@pytest.fixture
def celery_worker_process(redis_url, settings, transactional_db):
    """Start ``celery worker`` against the test database and Redis; stop it afterwards.

    Tasks are then sent through Redis for real (not executed eagerly), so the test proves
    the message path end to end.
    """
    workers = CeleryWorkers(1, redis_url=redis_url, settings=settings).start()
    try:
        yield workers.processes[0]
    finally:
        workers.stop()


@pytest.fixture
def celery_workers(redis_url, settings, transactional_db):
    """``celery_workers(n)`` starts n worker processes on this test's queue (stopped at the end)."""
    started = []

    def start(count: int) -> CeleryWorkers:
        workers = CeleryWorkers(count, redis_url=redis_url, settings=settings)
        started.append(workers)
        return workers.start()

    try:
        yield start
    finally:
        for workers in started:
            workers.stop()
