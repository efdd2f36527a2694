"""Refuse a request body larger than REQUEST_MAX_BYTES before anything reads it.

Django parses a multipart body (and spools its files to a temporary folder) the first time a view
or a middleware touches `request.POST`: CSRF does, for every POST. By then a 2 GB body has been
received and written to disk. This middleware runs first and looks only at the headers:

- `Content-Length` above the cap: 413 at once, the body unread (the server then closes the
  connection; a reverse proxy in front should refuse it even earlier, docs/operations.md).
- no `Content-Length` but `Transfer-Encoding: chunked` (which Django's WSGI request would read as
  empty): at most the cap is read, into memory; more than that is a 413, less is handed to Django
  as an ordinary body of known length.

Placed first in MIDDLEWARE, so the answer cannot depend on sessions, CSRF or the locale
middleware: the page's language is worked out here, from the URL prefix or Accept-Language.

Under WSGI only (gunicorn, runserver). An ASGI server hands Django a body it has already read,
so there the proxy's limit is the only one that counts.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

CHUNK = 64 * 1024


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None  # Django reads an unparsable length as 0: nothing is read


def _read_chunked(request: HttpRequest, limit: int) -> bytes | None:
    """The whole chunked body if it is at most `limit` bytes, else None (after reading limit + 1)."""
    stream = request.META["wsgi.input"]
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        part = stream.read(min(CHUNK, limit + 1 - size))
        if not part:
            return b"".join(parts)
        parts.append(part)
        size += len(part)
    return None


def too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    language = translation.get_language_from_request(request, check_path=True)
    with translation.override(language):
        # render_to_string with the request: the page has the site's header, footer and styles.
        body = render_to_string("413.html", {"limit_mb": f"{limit / 1e6:.0f}"}, request=request)
        response = HttpResponse(body, status=413)
        response["Content-Language"] = language
        # Set here: the middleware that would add it (CommonMiddleware) never sees this response.
        response["Content-Length"] = str(len(response.content))
    return response


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.REQUEST_MAX_BYTES
        length = _declared_length(request)
        if length is not None and length > limit:
            return too_large_response(request, settings.UPLOAD_MAX_BYTES)
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if length is None and chunked and "wsgi.input" in request.META:
            body = _read_chunked(request, limit)
            if body is None:
                return too_large_response(request, settings.UPLOAD_MAX_BYTES)
            # Django's request read the missing length as "no body": give it the body we read.
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(io.BytesIO(body), len(body))  # type: ignore[assignment]
        return self.get_response(request)
