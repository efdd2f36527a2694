"""Logging that an operator can follow across processes: every line carries the order and job ids.

A call site names the ids with ``extra={"order_id": ..., "job_id": ...}``; code running for one
order binds them once with ``log_context(order_id=...)`` and every line logged inside, by any
module, carries them. In production ``PICMATIX_LOG_FORMAT=json`` writes one JSON object per line
(what Loki, CloudWatch or ``jq`` read); the plain format appends ``order=… job=…``.

An order's token (in /<lang>/orders/<token>/…) opens its page, and an HD link's signature
(…/hd/<signature>/) downloads what was paid for, and a share page's key (/<lang>/share/<key>/) shows a
painting its customer chose to show: whoever reads a log must not get any of them. `redact`
replaces them with ``[redacted]`` in every line this project writes: the app's own handlers, Django's
request and server logs and its error emails, gunicorn's access and error logs (picmatix/access_log.py)
and Sentry events (`sentry_before_send`).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.utils.log import AdminEmailHandler

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


REDACTED = "[redacted]"
_URL_SAFE = "A-Za-z0-9_-"
_SECRETS = re.compile(
    # A path segment after /orders/ long enough to be (part of) a token; "/admin/orders/order/" stays.
    rf"(?P<orders>/orders/)[{_URL_SAFE}]{{16,}}"
    # A share page's key (in /<lang>/share/<key>/…): it shows the customer's painting.
    rf"|(?P<share>/share/)[{_URL_SAFE}]{{16,}}"
    # An HD link's `timestamp:signature`, whatever it looks like.
    r"|(?P<hd>/hd/)[^/?#\s\"'<>]+"
    # A bare token or signature anywhere (a query string, a Referer, an exception's local variables):
    # both are 43 url-safe characters (`secrets.token_urlsafe(32)`, Django's base64 HMAC-SHA256).
    rf"|(?<![{_URL_SAFE}])[{_URL_SAFE}]{{43}}(?![{_URL_SAFE}])"
    # The client secret Stripe appends to the return (thanks) URL: it confirms the payment.
    r"|\b(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"
    # The webhook endpoint's UUID: whoever knows it can make the shop store request bodies.
    r"|(?P<webhook>/stripe/webhook/)[0-9a-fA-F-]{32,36}"
)


def _redact_match(match: re.Match[str]) -> str:
    prefix = match.group("orders") or match.group("share") or match.group("hd") or match.group("webhook")
    return (prefix or "") + REDACTED


def redact(text: str) -> str:
    """`text` without order tokens, HD link signatures or Stripe client secrets."""
    return _SECRETS.sub(_redact_match, text)


def redact_value(value: Any) -> Any:
    """Strings redacted inside any structure of dicts, lists and tuples (a Sentry event)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(item) for item in value)
    return value


class RedactFilter(logging.Filter):
    """Rewrites a record's message, traceback and stack with `redact`, for every handler after it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingAdminEmailHandler(AdminEmailHandler):
    """Django's error email to PICMATIX_STAFF_EMAILS (subject, request, traceback) without secrets."""

    def send_mail(self, subject: Any, message: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("html_message"):
            kwargs["html_message"] = redact(kwargs["html_message"])
        super().send_mail(redact(str(subject)), redact(str(message)), *args, **kwargs)


# Any: sentry_sdk's Event type exists only where the optional sentry-sdk is installed.
def sentry_before_send(event: Any, hint: dict[str, Any]) -> Any:
    """Sentry's `before_send` (and `before_send_transaction`): the URL, headers, breadcrumbs,
    messages and local variables of an error report, redacted."""
    return redact_value(event)


def sentry_before_breadcrumb(crumb: Any, hint: dict[str, Any]) -> Any:
    return redact_value(crumb)


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
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:  # as filters left it (RedactFilter)
            entry["exception"] = record.exc_text
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
        "console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["context", "redact"]},
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
        handlers["file"].update({"formatter": fmt, "filters": ["context", "redact"], "encoding": "utf-8"})
    ours = list(handlers)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "picmatix.logs.ContextFilter"},
            "redact": {"()": "picmatix.logs.RedactFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(ids)s"},
            "json": {"()": "picmatix.logs.JsonFormatter"},
        },
        "handlers": {
            **handlers,
            # Replaces Django's own `mail_admins` (see the `django` logger below) by one that redacts.
            "mail_admins": {
                "level": "ERROR",
                "filters": ["require_debug_false", "redact"],
                "class": "picmatix.logs.RedactingAdminEmailHandler",
            },
        },
        "loggers": {
            # Django configures these with handlers of its own that would write tokens as they are:
            # `django` (its console handler and error emails) and `django.server` (runserver's
            # request lines, which do not propagate). Ours take their place.
            "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
            "django.server": {"handlers": ours, "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ours, "level": level},
    }
