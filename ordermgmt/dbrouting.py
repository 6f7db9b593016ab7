"""Heavy reads on the streaming replica, everything else on the primary.

With ``DATABASE_REPLICA_URL`` set there is a second database alias, ``replica``: a read-only
hot standby fed by PostgreSQL streaming replication. Only reads that a caller marks as heavy
go there — the monthly report's figures, the dashboard, order-list searches, the order export
(``heavy_reads()`` / ``@reads_from_replica``). Everything else, and every write, uses the
primary (``default``). A heavy read still uses the primary:

* inside a transaction on the primary (it must see its own uncommitted rows);
* for a request that writes (POST…), and for ``REPLICA_PIN_SECONDS`` after one, by the same
  browser (``ReadYourWritesMiddleware``, a cookie): the clerk who just saved an order finds it
  in the list even while the replica is a moment behind.

Without a replica every alias answer is ``default``; nothing else changes. Migrations run on
the primary only (the replica copies them).
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
PIN_COOKIE = "read_primary_until"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_heavy: ContextVar[bool] = ContextVar("heavy_reads", default=False)
_pinned: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def heavy_reads():
    """Reads in this block may come from the replica (a few seconds behind at most)."""
    token = _heavy.set(True)
    try:
        yield
    finally:
        _heavy.reset(token)


def reads_from_replica(function):
    """The decorated view or function reads through ``heavy_reads()``."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with heavy_reads():
            return function(*args, **kwargs)

    return wrapper


@contextmanager
def pinned_to_primary():
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def read_alias() -> str:
    if not (_heavy.get() and replica_configured()) or _pinned.get():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReadYourWritesMiddleware:
    """A request that may write, and the same browser's requests for ``REPLICA_PIN_SECONDS``
    after it, read from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes = request.method not in _SAFE_METHODS
        with (pinned_to_primary() if writes or self._recently_wrote(request) else _nothing()):
            response = self.get_response(request)
        if writes and replica_configured():
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(PIN_COOKIE, str(int(time.time()) + seconds), max_age=seconds,
                                httponly=True, samesite="Lax", secure=request.is_secure())
        return response

    @staticmethod
    def _recently_wrote(request) -> bool:
        until = request.COOKIES.get(PIN_COOKIE, "")
        return until.isdigit() and int(until) > time.time()


@contextmanager
def _nothing():
    yield
