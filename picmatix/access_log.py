"""gunicorn's logger for the web tier (deploy/gunicorn.conf.py `logger_class`), with secrets redacted.

Every request line names its path, and for the shop's customers the path is a key: an order's
token opens its page, an HD link's signature downloads the painting (picmatix/logs.py `redact`).
gunicorn writes its access and error logs itself, outside Django's logging, so the same filter is
attached to its two loggers here: the request line, the Referer, a redirect's Location and the
error log's tracebacks all leave with ``[redacted]`` in place of the secret.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from picmatix.logs import RedactFilter


class RedactingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            if not any(isinstance(existing, RedactFilter) for existing in logger.filters):
                logger.addFilter(RedactFilter())
