"""One service call writing many records (an Excel import, a batch of orders pushed through the
API) announces each of them: a listener called once per record may read what cannot change
during the call just once.

    with one_batch():                      # the service, around its publishing loop
        for order in created:
            publish(OrderCreated(order=order, user=user))

    read_once("webhook subscriptions", load)   # a listener: ``load()`` once per batch

Outside a batch ``read_once`` simply calls ``load()``.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_read: ContextVar[dict | None] = ContextVar("batch_reads", default=None)


@contextmanager
def one_batch():
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)


def read_once(key: str, load: Callable[[], T]) -> T:
    reads = _read.get()
    if reads is None:
        return load()
    if key not in reads:
        reads[key] = load()
    return reads[key]
