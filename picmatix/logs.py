"""Logging that an operator can follow across processes: every line carries the order and job ids.

A call site names the ids with ``extra={"order_id": ..., "job_id": ...}``; code running for one
order binds them once with ``log_context(order_id=...)`` and every line logged inside, by any
module, carries them. In production ``PICMATIX_LOG_FORMAT=json`` writes one JSON object per line
(what Loki, CloudWatch or ``jq`` read); the plain format appends ``order=… job=…``.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

CONTEXT_FIELDS = ("order_id", "job_id")
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("picmatix_log_context", default=None)


@contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Bind ids (order_id, job_id) to every log line written inside the block, in this thread."""
    token = _context.set({**(_context.get() or {}), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Gives every record `order_id` and `job_id` (None when unknown) and a ready-made `ids` suffix."""

    def filter(self, record: logging.LogRecord) -> bool:
        bound = _context.get() or {}
        parts = []
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is None:
                value = bound.get(name)
            setattr(record, name, value)
            if value is not None:
                parts.append(f"{name.removesuffix('_id')}={value}")
        record.ids = (" " + " ".join(parts)) if parts else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; keys stay stable so that dashboards and alerts can rely on them."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(*, fmt: str, level: str, file: str = "", file_max_bytes: int = 0, file_backups: int = 5) -> dict:
    """The LOGGING dict: console always, plus a file when `file` is set.

    A size-rotating file is safe for one process only (two processes would rotate it under each
    other); with `file_max_bytes=0` the file is reopened when an external logrotate moves it,
    which is what a web tier with several gunicorn workers sharing one file needs.
    """
    handlers: dict[str, dict[str, Any]] = {
        "console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["context"]},
    }
    if file:
        if file_max_bytes > 0:
            handlers["file"] = {
                "class": "logging.handlers.RotatingFileHandler",
                "filename": file,
                "maxBytes": file_max_bytes,
                "backupCount": file_backups,
            }
        else:
            handlers["file"] = {"class": "logging.handlers.WatchedFileHandler", "filename": file}
        handlers["file"].update({"formatter": fmt, "filters": ["context"], "encoding": "utf-8"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "picmatix.logs.ContextFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(ids)s"},
            "json": {"()": "picmatix.logs.JsonFormatter"},
        },
        "handlers": handlers,
        "root": {"handlers": list(handlers), "level": level},
    }
