"""`/healthz` and `/readyz` for load balancers, orchestrators and uptime checks.

- `/healthz`: the process answers (no database, no network): restart it if this fails.
- `/readyz`: the database, the broker and the file storage each answer; 503 if any does not, so a
  load balancer stops sending customers to a web process that could not take their order. The
  verdict is kept a few seconds per process: the endpoint is public, and each check is a round trip
  to a service that customers' requests need more.

Answered by a middleware placed first, before ALLOWED_HOSTS is enforced and before any redirect
to HTTPS: probes come from inside the network and address the container by its IP.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from kombu import Connection

logger = logging.getLogger(__name__)
PROBE_NAME = "readyz-probe"


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    with Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=3) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)


def check_storage() -> None:
    bucket = getattr(default_storage, "bucket_name", None)
    if bucket:
        # HEAD on the bucket: 200 only when it exists and these credentials may list it (which
        # django-storages needs anyway); a HEAD on a missing object would pass a missing bucket too.
        client = getattr(default_storage, "connection").meta.client  # noqa: B009 (not in Storage's type)
        client.head_bucket(Bucket=bucket)
        return
    location = getattr(default_storage, "location", None)
    if isinstance(location, str):
        # A local folder: exists() would answer False for a missing or read-only folder too.
        if not (os.path.isdir(location) and os.access(location, os.W_OK)):
            raise OSError(f"media folder {location} is missing or not writable")
        return
    default_storage.exists(PROBE_NAME)  # another backend: at least one round trip must work


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


def readiness() -> tuple[bool, dict[str, dict[str, object]]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:
            logger.warning("readyz: %s check failed: %s: %s", name, type(exc).__name__, exc)
            # The class name only: the details (hosts, bucket names) go to the log, not to the world.
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return all(r["ok"] for r in results.values()), results


# How long one process reuses its last verdict: short against a probe's period (usually 10 s), long
# against a flood of requests.
READINESS_TTL_SECONDS = 5.0
_readiness_lock = threading.Lock()
_readiness_kept: tuple[float, bool, dict[str, dict[str, object]]] | None = None


def readiness_kept() -> tuple[bool, dict[str, dict[str, object]]]:
    """``readiness()``, run at most once per READINESS_TTL_SECONDS in this process; concurrent
    requests wait for the one check under way instead of each starting their own."""
    global _readiness_kept
    with _readiness_lock:
        now = time.monotonic()
        if _readiness_kept is None or now - _readiness_kept[0] >= READINESS_TTL_SECONDS:
            ok, checks = readiness()
            _readiness_kept = (time.monotonic(), ok, checks)
        return _readiness_kept[1], _readiness_kept[2]


def readiness_forget() -> None:
    global _readiness_kept
    with _readiness_lock:
        _readiness_kept = None


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        if path not in ("/healthz", "/readyz") or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if path == "/healthz":
            return _no_store(JsonResponse({"status": "ok"}))
        ok, checks = readiness_kept()
        return _no_store(JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503))
