"""Logging filters installed on the handlers by ``settings.LOGGING``."""

import logging

from .privacy import mask_personal_data


class MaskPersonalData(logging.Filter):
    """No full phone number, e-mail address or tracking-link token in a log line: runserver's
    access log shows every tracking link opened, and services log recipients."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_personal_data(logging.Formatter().formatException(record.exc_info))
        return True


class RefusalsOnOneLine(logging.Filter):
    """A request refused on purpose (403 of a role check, 404, 400 of a bad link) is one line:
    Django attaches the PermissionDenied or SuspiciousOperation traceback, which tells nothing
    about a refusal that worked as intended. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
