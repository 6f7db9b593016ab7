"""Idempotency keys: the same request sent twice (a retry after a timeout, a resend by a
queue) does its work once.

The key is *claimed* by inserting its row before any work: the unique constraint on
(client, key) lets exactly one request through, even when twenty arrive at once. The owner
then runs the work and *completes* the key in the work's own transaction (``hold`` first
locks the row and checks the owner still holds it), so that the stored answer and the change
it describes commit together. Anyone else with the same key waits for that answer and gets it
again (a replay) — or, with a different body, is told the key was used for another request;
after ``API_IDEMPOTENCY_WAIT_SECONDS`` still running, a 409. A key whose request failed is
released (deleted): nothing happened, and the client may retry it as it likes.
"""

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..errors import IdempotencyConflict
from ..models import ApiClient, IdempotencyKey

Status = IdempotencyKey.Status
_POLL_SECONDS = 0.05


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and body. A JSON body counts by its
    content (key order and spacing aside), anything else byte for byte."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        content = canonical.encode("utf-8")
    except (ValueError, UnicodeDecodeError):
        content = body or b""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode("utf-8"), content):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass
class Claim:
    """The outcome of claiming a key: ``owned`` (do the work), or ``replay`` (send
    ``row.response_*`` again)."""

    row: IdempotencyKey
    owned: bool

    @property
    def replay(self) -> bool:
        return not self.owned


def idempotency_claim(*, client: ApiClient, key: str, fingerprint: str, method: str, path: str) -> Claim:
    """Claim ``key`` for this request, or return the first request's answer to replay.

    Raises ``IdempotencyConflict`` when the key was used for a different request
    (``idempotency_key_reused``) or its request is still running after the wait
    (``idempotency_key_in_use``)."""
    deadline = time.monotonic() + settings.API_IDEMPOTENCY_WAIT_SECONDS
    while True:
        row = _insert(client, key, fingerprint, method, path)
        if row is not None:
            return Claim(row, owned=True)
        existing = IdempotencyKey.objects.filter(client=client, key=key).first()
        if existing is None:
            continue  # released between our insert and our read: try again
        if existing.fingerprint != fingerprint:
            raise IdempotencyConflict(
                f"幂等键“{key}”已用于另一个请求（{existing.method} {existing.path}，内容不同），请为新请求使用新的幂等键",
                code="idempotency_key_reused",
            )
        if existing.status == Status.DONE:
            return Claim(existing, owned=False)
        taken = _take_over_if_abandoned(existing)
        if taken is not None:
            return Claim(taken, owned=True)
        if time.monotonic() >= deadline:
            raise IdempotencyConflict(
                f"使用幂等键“{key}”的上一个请求仍在处理中，请稍后用同一幂等键重试", code="idempotency_key_in_use",
            )
        time.sleep(_POLL_SECONDS)


def _insert(client, key, fingerprint, method, path) -> IdempotencyKey | None:
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(client=client, key=key, fingerprint=fingerprint, method=method,
                                                 path=path[:200])
    except IntegrityError:
        return None


def _take_over_if_abandoned(row: IdempotencyKey) -> IdempotencyKey | None:
    """A running key whose request has not finished long after any request could: its process
    died (its transaction rolled back, nothing was done). The request that takes it over gets a
    new lock token, so the old one could never complete it even if it were alive."""
    stale_before = timezone.now() - timedelta(seconds=settings.API_IDEMPOTENCY_LOCK_SECONDS)
    if row.locked_at >= stale_before:
        return None
    token = uuid.uuid4()
    taken = IdempotencyKey.objects.filter(
        pk=row.pk, status=Status.RUNNING, lock_token=row.lock_token, locked_at__lt=stale_before,
    ).update(lock_token=token, locked_at=timezone.now())
    if not taken:
        return None
    row.lock_token, row.locked_at = token, timezone.now()
    return row


def idempotency_hold(claim: Claim) -> None:
    """Inside the work's transaction, before the work: lock the key and make sure this request
    still holds it (not taken over after hanging)."""
    held = IdempotencyKey.objects.select_for_update().filter(
        pk=claim.row.pk, status=Status.RUNNING, lock_token=claim.row.lock_token,
    ).exists()
    if not held:
        raise IdempotencyConflict(
            f"幂等键“{claim.row.key}”已被另一个请求接管，本请求未执行，请用同一幂等键重试查询结果",
            code="idempotency_key_in_use",
        )


def idempotency_complete(claim: Claim, *, status: int, body: str) -> None:
    """Store the answer, in the work's transaction (after ``idempotency_hold``)."""
    row = claim.row
    row.status, row.response_status, row.response_body, row.completed_at = Status.DONE, status, body, timezone.now()
    row.save(update_fields=["status", "response_status", "response_body", "completed_at"])


def idempotency_release(claim: Claim) -> None:
    """The request failed and changed nothing: free the key (if this request still holds it)."""
    IdempotencyKey.objects.filter(pk=claim.row.pk, status=Status.RUNNING, lock_token=claim.row.lock_token).delete()


def idempotency_keys_purge(*, now=None) -> int:
    """Keys older than ``API_IDEMPOTENCY_KEY_DAYS`` (kept at least that long)."""
    before = (now or timezone.now()) - timedelta(days=settings.API_IDEMPOTENCY_KEY_DAYS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=before).delete()
    return deleted
