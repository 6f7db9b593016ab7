"""Log lines as JSON (``LOG_FORMAT=json``): one object per line, for a log collector.

Fields: ``time``, ``level``, ``logger``, ``message``, the ids of ``ordermgmt.logcontext``
(``request_id``, ``user_id``, ``task_name``, ``task_id``), whatever a call passed as
``extra`` (``status``, ``duration_ms``…), and ``exc_info`` for a traceback. The personal-data
filter has already masked the message; the traceback and every other text field are masked
here too, and objects a library attaches (Django's ``request``) are left out, since their
text would show a tracking link's token.
"""

from pythonjsonlogger.json import JsonFormatter

from .privacy import mask_personal_data

_LEFT_OUT = {"request", "server_time", "taskName", "color_message"}


class JsonLogFormatter(JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S%z")
        super().__init__(*args, **kwargs)

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return mask_personal_data(super().formatException(ei))

    def process_log_record(self, log_data: dict) -> dict:
        cleaned = {}
        for key, value in log_data.items():
            if key in _LEFT_OUT or value is None:
                continue
            if isinstance(value, str):
                value = mask_personal_data(value)
            elif not isinstance(value, (int, float, bool, list, dict)):
                value = mask_personal_data(str(value))
            cleaned[key] = value
        return cleaned
