"""SMS backends. ``settings.SMS_BACKEND`` names the class; each ``send`` returns the
provider's message id or raises ``SmsSendError`` (the outbox then retries)."""

import json
import logging
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from ordermgmt.privacy import mask_personal_data

logger = logging.getLogger(__name__)


class SmsSendError(Exception):
    pass


class BaseSmsBackend:
    def send(self, *, phone: str, text: str, reference: str) -> str:
        """Send ``text`` to ``phone``. ``reference`` is stable across retries of one message,
        so a gateway that de-duplicates on it never delivers a retried message twice."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Dev: print the message, like Django's console e-mail backend. The phone number and the
    tracking link's token are masked: the console is a log, and a real number may be entered
    in dev or staging (the tracking page opens with the order number and the phone's last 4)."""

    stream = None

    def send(self, *, phone, text, reference):
        stream = self.stream or sys.stdout
        stream.write(f"[短信 {reference}] → {mask_personal_data(phone)}\n{mask_personal_data(text)}\n{'-' * 40}\n")
        stream.flush()
        return f"console-{reference}"


class FileSmsBackend(BaseSmsBackend):
    """Dev/staging: append one JSON line per message to ``SMS_FILE_PATH/<date>.jsonl``,
    phone number and tracking-link token masked like the console backend's."""

    def send(self, *, phone, text, reference):
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        line = {"at": timezone.now().isoformat(), "phone": mask_personal_data(phone),
                "text": mask_personal_data(text), "reference": reference}
        with open(folder / f"{timezone.localdate():%Y%m%d}.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return f"file-{reference}"


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: keep messages in ``LocmemSmsBackend.outbox`` (like ``django.core.mail.outbox``)."""

    outbox: list[dict] = []

    def send(self, *, phone, text, reference):
        type(self).outbox.append({"phone": phone, "text": text, "reference": reference})
        return f"locmem-{len(type(self).outbox)}"


class HttpGatewayBackend(BaseSmsBackend):
    """A typical domestic SMS gateway over HTTPS + JSON.

    POST ``SMS_GATEWAY_URL`` with ``Authorization: Bearer SMS_GATEWAY_TOKEN`` and
    ``{"phone", "sign", "content", "request_id"}``; the gateway answers 2xx with
    ``{"code": 0, "message_id": "..."}``. Any other answer is an error worth retrying.
    """

    def send(self, *, phone, text, reference):
        url = settings.SMS_GATEWAY_URL
        if not url:
            raise SmsSendError("SMS_GATEWAY_URL 未配置")
        body = json.dumps(
            {"phone": phone, "sign": settings.SMS_GATEWAY_SIGN, "content": text, "request_id": reference},
            ensure_ascii=False,
        ).encode("utf-8")
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                "X-Request-Id": reference or uuid.uuid4().hex,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:
                raw = response.read(65536)
        except urllib.error.HTTPError as error:
            raise SmsSendError(f"短信网关返回 HTTP {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsSendError(f"无法连接短信网关：{getattr(error, 'reason', error)}") from error
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SmsSendError("短信网关的应答不是 JSON") from error
        if not isinstance(answer, dict) or answer.get("code") != 0:
            code = answer.get("code") if isinstance(answer, dict) else None
            message = answer.get("message", "") if isinstance(answer, dict) else ""
            raise SmsSendError(f"短信网关拒绝发送：code={code} {message}".strip())
        return str(answer.get("message_id", ""))


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
