"""Carriers' push tokens: issued once, stored as a digest, compared in constant time."""

import hashlib
import hmac
import secrets

from django.db import transaction

from ..models import Carrier


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def carrier_issue_token(*, carrier: Carrier) -> str:
    """A new push token for the carrier; only its digest is stored, so show it once."""
    token = secrets.token_urlsafe(32)
    Carrier.objects.filter(pk=carrier.pk).update(api_token_hash=_token_digest(token))
    carrier.api_token_hash = _token_digest(token)
    return token


def carrier_token_matches(carrier: Carrier, token: str) -> bool:
    if not carrier.api_token_hash or not token:
        return False
    return hmac.compare_digest(carrier.api_token_hash, _token_digest(token))
