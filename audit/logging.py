"""Log lines as JSON objects, one a line, for a log collector; every line carries the request id.

Configured in settings.LOGGING (LOG_FORMAT=json|text): `RequestIdFilter` on the handler adds
`request_id` to every record, `JsonFormatter` writes the record, plus the `audit` payload of
audit events, as one JSON object.
"""

from __future__ import annotations

import datetime
import json
import logging

from . import context

# Attributes every LogRecord has; anything else was passed in `extra` and is written as well.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = context.request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or context.request_id(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # Django puts the request object (and its session) on some records: never dump it.
        line.pop("request", None)
        return json.dumps(line, default=str, ensure_ascii=False)
