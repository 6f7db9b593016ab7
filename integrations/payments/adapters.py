"""Notification formats of payment platforms.

An adapter knows one platform's format: how its notification is signed (``verify``), what it
carries (``parse`` → ``PaymentNotice``) and what the platform expects back (``acknowledge``).
The generic format below is documented in the API schema; a real platform (支付宝's RSA2
signature over sorted form fields, 微信支付 v3's signed and encrypted JSON) is one more small
class registered in ``ADAPTERS`` and chosen on its ``PaymentProvider``.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime


class SignatureInvalid(Exception):
    """The notification is not signed with the platform's secret."""


class NoticeInvalid(Exception):
    """Signed, but not a notification we can read."""


@dataclass(frozen=True)
class PaymentNotice:
    transaction_id: str
    order_number: str
    amount: Decimal
    currency: str
    paid_at: datetime
    timestamp: int  # seconds since the epoch, when the platform sent it (signed)


class PaymentAdapter:
    signature_header = ""

    def verify(self, *, body: bytes, headers, secret: str) -> str:
        """Check the signature; return it (its digest guards against replays)."""
        raise NotImplementedError

    def parse(self, body: bytes) -> PaymentNotice:
        raise NotImplementedError

    def acknowledge(self, outcome: str, detail: dict) -> tuple[int, dict]:
        """The HTTP status and JSON body the platform expects for a handled notification."""
        return 200, {"status": outcome, **detail}


class GenericHmacAdapter(PaymentAdapter):
    """``X-Signature: <hex HMAC-SHA256 of the raw body with the platform's secret>`` and a JSON
    body ``{"transaction_id", "order_number", "amount": "123.45", "currency": "CNY",
    "paid_at": ISO 8601 with offset, "timestamp": seconds since the epoch}``."""

    signature_header = "X-Signature"

    def verify(self, *, body: bytes, headers, secret: str) -> str:
        presented = (headers.get(self.signature_header) or "").strip().lower()
        expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        if not presented or not hmac.compare_digest(presented, expected):
            raise SignatureInvalid("signature does not match")
        return presented

    def parse(self, body: bytes) -> PaymentNotice:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise NoticeInvalid("body is not JSON") from error
        if not isinstance(data, dict):
            raise NoticeInvalid("body is not a JSON object")
        return PaymentNotice(
            transaction_id=_text(data, "transaction_id", 64),
            order_number=_text(data, "order_number", 40),
            amount=_amount(data.get("amount")),
            currency=_text(data, "currency", 3).upper(),
            paid_at=_time(data.get("paid_at")),
            timestamp=_timestamp(data.get("timestamp")),
        )


def _text(data: dict, name: str, max_length: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_length:
        raise NoticeInvalid(f"{name}: a text of 1–{max_length} characters is required")
    return value.strip()


def _amount(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise NoticeInvalid("amount: a decimal number is required")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise NoticeInvalid("amount: a decimal number is required") from error
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e12"):
        raise NoticeInvalid("amount: more than 0, at most 2 decimal places")
    return amount.quantize(Decimal("0.01"))


def _time(value) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise NoticeInvalid("paid_at: an ISO 8601 time with its offset is required")
    return parsed


def _timestamp(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise NoticeInvalid("timestamp: whole seconds since the epoch are required")
    return value


ADAPTERS: dict[str, PaymentAdapter] = {"generic": GenericHmacAdapter()}
