"""How the server logs: every record carries the id of the HTTP request it was written in, as text
for people or as one JSON object per line for a log collector (``OMNIDESK_LOG_FORMAT``).

The id lives in a context variable that ``http/request_ids.py`` sets for the length of a request.
AnyIO copies the context into the worker thread a handler runs on, and uvicorn writes its access line
from inside the app's ``send``, so the handler's records and the access line both carry it. A filter
on the handler (not on a logger, whose filters skip records that propagate to it) copies it onto each
record; outside a request (workers, start-up) it is ``-``.
"""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

NO_REQUEST = "-"
request_id: ContextVar[str] = ContextVar("omnidesk_request_id", default=NO_REQUEST)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message, request_id, and
    the traceback as ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(*, level: str, log_format: str) -> None:
    """Set up the process's logging (``omnidesk serve``, before the migrations and workers log).
    Python's warnings go through it too, so a JSON log holds nothing but JSON lines."""
    logging.config.dictConfig(logging_config(level=level, log_format=log_format))
    logging.captureWarnings(True)


def logging_config(*, level: str, log_format: str) -> dict[str, Any]:
    """One handler on the root logger, through which uvicorn's own loggers write too (they propagate
    to it, and ``serve`` gives uvicorn no configuration of its own)."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level.upper()}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
