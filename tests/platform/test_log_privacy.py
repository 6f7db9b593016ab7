"""Log lines carry no full phone number, e-mail address or signed tracking link."""

import logging

import pytest
from django.core import signing

from ordermgmt.privacy import mask_personal_data
from tests.platform.test_request_logging import log_output

TOKEN = signing.dumps({"n": "20261205001"}, salt="fulfillment.tracking-link", compress=True)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("短信发送至 13812345678 失败", "短信发送至 138****5678 失败"),
        ("phone=+8615912345678;", "phone=+86159****5678;"),
        ("客户 zhang.san@example.com 已通知", "客户 z***@example.com 已通知"),
        (f'"GET /track/s/{TOKEN}/ HTTP/1.1" 200 5120', '"GET /track/s/***/ HTTP/1.1" 200 5120'),
        (f"查询链接 http://127.0.0.1:8000/track/s/{TOKEN}/feedback/", "查询链接 http://127.0.0.1:8000/track/s/***/feedback/"),
    ],
)
def test_phones_mails_and_tracking_tokens_are_masked(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "订单 2026120500012 已审核",  # an order number is not a phone
        "took 12345678901234 ns",
        '"GET /track/ HTTP/1.1" 200 2301',
        "postgres://postgres@127.0.0.1:5433/h_security",
        "Polling carrier sf: timeout after 10.0s",
    ],
)
def test_ordinary_log_text_is_left_alone(text):
    assert mask_personal_data(text) == text


def test_runserver_access_log_of_a_tracking_link_hides_the_token():
    with log_output("django.server") as output:
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET /track/s/{TOKEN}/ HTTP/1.1", "200", "5120", extra={"status_code": 200}
        )
    line = output.getvalue()
    assert "/track/s/***/" in line and TOKEN not in line


@pytest.mark.django_db
def test_a_refused_tracking_link_is_logged_without_its_token(client):
    with log_output("django.request") as output:
        assert client.get(f"/track/s/{TOKEN}x/").status_code == 400
    assert "/track/s/***/" in output.getvalue()
    assert TOKEN not in output.getvalue()


def test_application_log_lines_mask_phones_and_mails():
    with log_output("fulfillment.services.notifications") as output:
        logging.getLogger("fulfillment.services.notifications").warning(
            "Notification to %s / %s failed", "13912345678", "nana@example.com"
        )
    assert output.getvalue().strip() == "Notification to 139****5678 / n***@example.com failed"


def test_the_dev_console_mail_backend_prints_messages_masked():
    import io

    from django.core.mail import EmailMessage

    from ordermgmt.mail import ConsoleEmailBackend

    stream = io.StringIO()
    message = EmailMessage("您的订单已发货", f"收件人电话 13912345678，查询：http://127.0.0.1:8000/track/s/{TOKEN}/",
                           "noreply@example.com", ["nana@example.com"])
    assert ConsoleEmailBackend(stream=stream).send_messages([message]) == 1
    printed = stream.getvalue()
    assert "To: n***@example.com" in printed and "139****5678" in printed and "/track/s/***/" in printed
    assert "nana@example.com" not in printed and "13912345678" not in printed and TOKEN not in printed


def test_dev_settings_use_the_masking_mail_backend():
    from tests.platform.test_settings import _manage

    result = _manage("shell", "-c", "from django.conf import settings as s; print(s.EMAIL_BACKEND)")
    assert result.stdout.split()[-1] == "ordermgmt.mail.ConsoleEmailBackend", result.stderr
