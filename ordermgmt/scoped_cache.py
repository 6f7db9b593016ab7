"""Reads that one piece of work asks for again and again, loaded once per *scope*.

The 主管's policy values, the price rules valid today, the notice templates: a clerk's
click, one Celery task or one batch of orders reads each of them many times (every order
of a batch, every check of a review). Inside a scope the first read loads the value and
the others reuse it; when the scope ends the values are forgotten, so the next request or
task sees the data as it is then.

Scopes: every web request (``CacheScopeMiddleware``), every Celery task
(``ordermgmt.celery.PlatformLanguageTask``), and the batch services, which open one around
their work. A scope opened inside another is the same scope. Outside any scope nothing is
cached: every read goes to the database, as before.

A change to such data (a 主管 saves a policy or a price rule) calls ``forget`` with the
key's first part, so the changing request itself reads the new value at once; other
requests and tasks already running keep the values they started with until they end.
"""

import contextvars
import functools
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from typing import Any

_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("ordermgmt_scoped_cache", default=None)


@contextmanager
def cache_scope():
    """Cache reads inside the block (a request, a task, a batch); nested blocks share it."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def in_cache_scope(func):
    """Decorator form of ``cache_scope``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with cache_scope():
            return func(*args, **kwargs)

    return wrapper


def cached(key: tuple[Hashable, ...], load: Callable[[], Any]) -> Any:
    """``load()`` once per scope for ``key`` (a tuple whose first part names the data)."""
    store = _scope.get()
    if store is None:
        return load()
    if key not in store:
        store[key] = load()
    return store[key]


def forget(kind: Hashable) -> None:
    """Drop every value of this kind (the first part of its key) from the current scope."""
    store = _scope.get()
    if store:
        for key in [key for key in store if key[0] == kind]:
            del store[key]


class CacheScopeMiddleware:
    """One cache scope per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with cache_scope():
            return self.get_response(request)
