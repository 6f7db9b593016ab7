"""One signed HTTP attempt of a webhook (Standard Webhooks: ``webhook-id``,
``webhook-timestamp``, ``webhook-signature`` signed with the ``standardwebhooks`` library).

Redirects are not followed, and in production an address that resolves to a private or
loopback network is refused before connecting, so that a subscription cannot make the server
call inside its own network."""

import base64
import ipaddress
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from standardwebhooks import Webhook

USER_AGENT = "ordermgmt-webhooks/1.0"


def new_secret() -> str:
    """A subscription secret in the Standard Webhooks format (``whsec_`` + base64 of 24 bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def signed_headers(*, secret: str, event_id: str, body: str, at: datetime | None = None) -> dict[str, str]:
    at = at or timezone.now()
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, at, body),
    }


@dataclass
class AttemptResult:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer of its own: not delivered


_opener = urllib.request.build_opener(_NoRedirects)


def private_address_problem(url: str) -> str:
    """Why this URL may not be called (it points inside our network), or ""."""
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return ""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return ""  # unresolvable: the attempt itself fails with the resolver's message
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return f"接收地址指向内网地址 {address}，已拒绝"
    return ""


def post(*, url: str, secret: str, event_id: str, body: str) -> AttemptResult:
    started = time.monotonic()
    problem = private_address_problem(url)
    if problem:
        return AttemptResult(None, problem, 0)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               **signed_headers(secret=secret, event_id=event_id, body=body)}
    request = urllib.request.Request(url, data=body.encode("utf-8"), headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
            status, error = response.status, ""
    except urllib.error.HTTPError as refusal:
        status, error = refusal.code, f"HTTP {refusal.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as failure:
        reason = getattr(failure, "reason", failure)
        status, error = None, f"{type(reason).__name__}: {reason}"[:500]
    return AttemptResult(status, error, int((time.monotonic() - started) * 1000))
