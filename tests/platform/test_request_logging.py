"""What a refused request writes to the log: one line, no traceback."""

import io
import logging
from contextlib import contextmanager

import pytest

from ordermgmt import roles
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@contextmanager
def log_output(logger_name: str):
    """Everything the configured stream handlers print for records of ``logger_name``,
    following propagation as logging does (pytest's own capture handlers left out)."""
    buffer = io.StringIO()
    swapped = []
    logger = logging.getLogger(logger_name)
    while logger is not None:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                swapped.append((handler, handler.setStream(buffer)))
        logger = logger.parent if logger.propagate else None
    try:
        yield buffer
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)


@pytest.fixture
def dev_mode(settings):
    # Django's own console handler only prints with DEBUG on: the duplicates were a dev-mode sight.
    settings.DEBUG = True


def test_a_refused_page_logs_one_line_without_a_traceback(client, dev_mode, caplog):
    client.force_login(user_with_role(roles.SALES))
    with log_output("django.request") as output:
        response = client.get("/settings/policies/")
    assert response.status_code == 403
    lines = output.getvalue().splitlines()
    assert lines == ["Forbidden (Permission denied): /settings/policies/"], lines
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 403 and not record.exc_info and not record.exc_text


def test_a_refused_business_action_logs_one_line_without_a_traceback(client, dev_mode):
    from tests.factories import make_order

    order = make_order()
    client.force_login(user_with_role(roles.ANALYST))
    with log_output("django.request") as output:
        response = client.post(f"/orders/{order.number}/do/approve/", {"reason": ""})
    assert response.status_code == 403
    assert len(output.getvalue().splitlines()) == 1, output.getvalue()
    assert "Traceback" not in output.getvalue()


def test_a_missing_page_logs_one_line(client, dev_mode):
    with log_output("django.request") as output:
        assert client.get("/no-such-page/").status_code == 404
    assert output.getvalue().splitlines() == ["Not Found: /no-such-page/"]


def test_a_server_error_still_logs_its_traceback(rf, dev_mode):
    from django.core.handlers.exception import response_for_exception

    request = rf.get("/boom/")
    with log_output("django.request") as output:
        try:
            raise RuntimeError("boom")
        except RuntimeError as error:
            response_for_exception(request, error)
    text = output.getvalue()
    assert "Internal Server Error: /boom/" in text and "Traceback" in text and "RuntimeError: boom" in text
    assert text.count("Internal Server Error") == 1
