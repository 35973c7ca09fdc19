"""Log lines that carry the request id, as text for development or as one JSON object per line for production.

`LOG_FORMAT=json` (config/settings/base.py) selects `JsonFormatter`: each record becomes one line with `time` (UTC,
ISO 8601), `level`, `logger`, `message` and `request_id` (the current request's, chaindesk/core/context.py, "" outside
a request), plus whatever the call passed in `extra` (the request log's `method`, `path`, `status`, `duration_ms`,
chaindesk/core/middleware.py) and, for an exception, its `exception` text. Any other value (default) keeps the
human-readable text line, which shows the request id too.

`RequestIdFilter`, installed on the handler, stamps every record with the request id, so both formats (and any
handler a deployment adds) can name it."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from . import context

# The attributes every LogRecord has (and `message`/`asctime`, set while formatting): everything else on a record
# came from `extra` and goes into the JSON line, but Django's `request` object (its method and path are logged on
# their own).
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "request"}


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (kept when the call passed its own in `extra`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            # Django logs a response's 4xx/5xx (django.request) after our middleware has left: the request it
            # passes along still carries the id.
            request = getattr(record, "request", None)
            record.request_id = context.current().request_id or getattr(request, "request_id", "") or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines in a message or traceback are escaped by JSON)."""

    def format(self, record: logging.LogRecord) -> str:
        # The record's own moment (set by logging when the call was made), not the clock's: a log line says when
        # it was written.
        moment = dt.datetime.fromtimestamp(record.created, tz=dt.UTC)
        request_id = getattr(record, "request_id", "") or context.current().request_id  # without the filter too
        line: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": "" if request_id == "-" else request_id,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
