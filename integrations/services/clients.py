"""API clients, their tokens and the log of their calls."""

import hashlib
import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ordermgmt.errors import InvalidInput
from ordermgmt.scoped_cache import forget
from ordermgmt.history import attribute_change

from ..models import ApiCallLog, ApiClient, ApiToken
from ..models.clients import channel_code_validator, rate_limit_validator
from ..scopes import DEFAULT_SCOPES, SCOPES
from .common import SUBSCRIPTIONS, check_permission

TOKEN_PREFIX = "omk_"
# How often a token's "last used" time is written at most (not once per call).
_TOUCH_EVERY = timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def split_token(raw: str) -> str:
    """The public prefix of a presented token (``omk_<prefix>_<secret>``), or ""."""
    if not raw.startswith(TOKEN_PREFIX):
        return ""
    prefix, _, secret = raw[len(TOKEN_PREFIX):].partition("_")
    return prefix if prefix and secret else ""


def _clean_client_fields(fields: dict) -> dict:
    problems = []
    cleaned = dict(fields)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            problems.append("名称不能为空")
    if "channel_code" in cleaned:
        cleaned["channel_code"] = (cleaned["channel_code"] or "").strip().lower()
        problems.extend(_validation_messages(channel_code_validator, cleaned["channel_code"]))
    if "scopes" in cleaned:
        unknown = [scope for scope in cleaned["scopes"] if scope not in SCOPES]
        if unknown:
            problems.append("未知的权限范围：" + "、".join(unknown))
        cleaned["scopes"] = [scope for scope in SCOPES if scope in cleaned["scopes"]]
    if cleaned.get("rate_limit"):
        cleaned["rate_limit"] = cleaned["rate_limit"].strip()
        problems.extend(_validation_messages(rate_limit_validator, cleaned["rate_limit"]))
    if "allowed_ips" in cleaned:
        lines = [line.strip() for line in (cleaned["allowed_ips"] or "").splitlines() if line.strip()]
        for line in lines:
            try:
                ipaddress.ip_network(line, strict=False)
            except ValueError:
                problems.append(f"“{line}”不是有效的 IP 地址或网段")
        cleaned["allowed_ips"] = "\n".join(lines)
    if problems:
        raise InvalidInput("；".join(problems))
    return cleaned


def _validation_messages(validator, value) -> list[str]:
    try:
        validator(value)
    except ValidationError as error:
        return [str(message) for message in error.messages]
    return []


@transaction.atomic
def api_client_create(
    *, user, name: str, channel_code: str, scopes=None, owner=None, rate_limit: str = "", allowed_ips: str = "",
    notes: str = "",
) -> ApiClient:
    """A new client for a channel; it calls nothing until a token is issued for it."""
    check_permission(user, "integrations.add_apiclient", "新建 API 客户端")
    fields = _clean_client_fields({
        "name": name, "channel_code": channel_code, "scopes": list(DEFAULT_SCOPES if scopes is None else scopes),
        "rate_limit": rate_limit, "allowed_ips": allowed_ips,
    })
    if ApiClient.objects.filter(name=fields["name"]).exists():
        raise InvalidInput(f"已有名为“{fields['name']}”的客户端")
    if ApiClient.objects.filter(channel_code=fields["channel_code"]).exists():
        raise InvalidInput(f"渠道编码“{fields['channel_code']}”已被其他客户端使用")
    try:
        with transaction.atomic():
            client = ApiClient(
                **fields, owner=owner if owner is not None else user, notes=(notes or "").strip(), created_by=user,
            )
            attribute_change(client, user).save()
            return client
    except IntegrityError as error:
        raise InvalidInput("名称或渠道编码已被其他客户端使用") from error


EDITABLE_CLIENT_FIELDS = {"name", "scopes", "owner", "rate_limit", "allowed_ips", "notes", "is_active"}


@transaction.atomic
def api_client_update(*, user, client: ApiClient, **fields) -> ApiClient:
    """Change what a client may do. Its channel code stays: it is written on its orders."""
    check_permission(user, "integrations.change_apiclient", "修改 API 客户端")
    unknown = set(fields) - EDITABLE_CLIENT_FIELDS
    if unknown:
        raise InvalidInput(f"不能修改字段：{', '.join(sorted(unknown))}")
    fields = _clean_client_fields(fields)
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if "name" in fields and ApiClient.objects.exclude(pk=locked.pk).filter(name=fields["name"]).exists():
        raise InvalidInput(f"已有名为“{fields['name']}”的客户端")
    for name, value in fields.items():
        setattr(locked, name, value)
    attribute_change(locked, user).save()
    forget(SUBSCRIPTIONS)  # the webhooks read the client's scopes and active flag with its subscriptions
    return locked


@transaction.atomic
def api_token_issue(*, user, client: ApiClient, grace_hours: float = 24) -> tuple[ApiToken, str]:
    """A new token for the client; returns the row and the token itself, which is shown this
    once (only its digest is kept).

    Rotation: the newest token that was live keeps working for ``grace_hours`` more (0 ends
    it now), so that the client can switch without a gap; any older one ends now — at most
    two tokens are live at a time.
    """
    check_permission(user, "integrations.change_apiclient", "签发 API 令牌")
    if grace_hours < 0:
        raise InvalidInput("过渡期不能为负数")
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    now = timezone.now()
    live = [token for token in locked.tokens.order_by("-created_at", "-id") if token.is_live(now)]
    for index, token in enumerate(live):
        if index == 0 and grace_hours > 0:
            until = now + timedelta(hours=grace_hours)
            token.expires_at = min(token.expires_at, until) if token.expires_at else until
            token.save(update_fields=["expires_at"])
        else:
            token.revoked_at, token.revoked_by = now, user
            token.save(update_fields=["revoked_at", "revoked_by"])
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(client=locked, prefix=prefix, digest=token_digest(raw), created_by=user,
                                    created_at=now)
    return token, raw


@transaction.atomic
def api_token_revoke(*, user, token: ApiToken) -> ApiToken:
    """The token stops working at once."""
    check_permission(user, "integrations.change_apiclient", "吊销 API 令牌")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        raise InvalidInput(f"令牌 {locked.prefix}… 已于 {timezone.localtime(locked.revoked_at):%Y-%m-%d %H:%M} 吊销")
    locked.revoked_at, locked.revoked_by = timezone.now(), user
    locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


def api_token_touch(*, token: ApiToken) -> None:
    """Note that the token was used (at most once a minute: not a write per call)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_call_record(
    *, client: ApiClient, method: str, endpoint: str, status: int, latency_ms: int, idempotency_key: str = "",
    error_code: str = "", replayed: bool = False,
) -> ApiCallLog:
    return ApiCallLog.objects.create(
        client=client, method=method[:8], endpoint=endpoint[:120], status=status, latency_ms=max(latency_ms, 0),
        idempotency_key=idempotency_key[:200], error_code=error_code[:40], replayed=replayed,
    )


def api_calls_purge(*, now=None) -> int:
    """Call logs older than ``API_CALL_LOG_DAYS``."""
    before = (now or timezone.now()) - timedelta(days=settings.API_CALL_LOG_DAYS)
    deleted, _ = ApiCallLog.objects.filter(at__lt=before).delete()
    return deleted
