"""Celery beat that sends the schedule from one process only, however many are started.

Two beat processes (a second container started by mistake, a deploy overlapping the old
one) would each send every periodic task: two carrier polls, two monthly report mails.
``SingleBeatScheduler`` is django-celery-beat's scheduler behind a lock in Redis (the
broker): the process holding it sends the schedule and renews the lock at every tick;
another one stands by, trying again every few seconds, and takes over within
``BEAT_LOCK_SECONDS`` when the holder dies. Without Redis (dev, eager tasks) beat does not
run at all, and the lock is not needed.
"""

import logging
import uuid

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


class BeatLock:
    """A Redis key holding this process's token, with an expiry renewed while it runs."""

    def __init__(self, client, name: str, seconds: int):
        self.client, self.name, self.seconds = client, name, seconds
        self.token = uuid.uuid4().hex

    # Renew only our own lock: compare and extend in one step.
    _RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end"
    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    def hold(self) -> bool:
        """Take the lock or keep it; False while another process has it."""
        if self.client.eval(self._RENEW, 1, self.name, self.token, self.seconds):
            return True
        return bool(self.client.set(self.name, self.token, nx=True, ex=self.seconds))

    def release(self) -> None:
        self.client.eval(self._RELEASE, 1, self.name, self.token)


def beat_lock() -> BeatLock | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    # One lock per queue: the deployment's, or a test process's own.
    return BeatLock(client, f"ordermgmt:beat-lock:{settings.CELERY_TASK_DEFAULT_QUEUE}", settings.BEAT_LOCK_SECONDS)


class SingleBeatScheduler(DatabaseScheduler):
    def __init__(self, *args, **kwargs):
        self.lock = beat_lock()
        self.holding = None
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        if self.lock is None:
            return super().tick(*args, **kwargs)
        renew_every = max(self.lock.seconds / 3, 1)
        try:
            holding = self.lock.hold()
        except Exception:  # noqa: BLE001 - broker unreachable: send nothing, try again
            logger.warning("beat: cannot reach Redis for the beat lock; not sending", exc_info=True)
            holding = False
        if holding != self.holding:
            self.holding = holding
            if holding:
                logger.info("beat: holding the beat lock, this process sends the schedule")
            else:
                logger.warning("beat: another beat process holds the lock; standing by")
        if not holding:
            return renew_every
        return min(super().tick(*args, **kwargs), renew_every)

    def close(self):
        try:
            super().close()
        finally:
            if self.lock is not None and self.holding:
                self.lock.release()  # the standby takes over at once instead of after expiry
