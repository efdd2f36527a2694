"""Handing a private file (photo, preview, HD image) to a browser that a view has already let in,
and saving one so that a passing storage failure is tried again.

Local storage: the web process streams the file. S3: the browser is redirected to a presigned URL
that expires after a few minutes, so the bytes never pass through the web tier and a leaked link
stops working on its own. The view decides *whether* someone may see a file; this only decides how.
"""

from __future__ import annotations

import logging
import time

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from storages.backends.s3 import S3Storage

logger = logging.getLogger(__name__)
NO_STORE = "private, max-age=0, no-store"


def private_file_response(
    name: str,
    content_type: str,
    *,
    download_name: str | None = None,
    expire: int | None = None,
    storage: Storage | None = None,
) -> HttpResponseBase:
    """A response that gives the browser the file `name`: streamed, or a redirect to a presigned URL.

    `download_name` makes the browser save the file under that name; `expire` (seconds) overrides
    the storage's presigned lifetime (AWS_QUERYSTRING_EXPIRE).
    """
    storage = storage or default_storage
    if not name:
        raise Http404
    if isinstance(storage, S3Storage) and storage.querystring_auth:
        # No HEAD first: it would cost a round trip on every view, and S3 answers a missing key itself.
        parameters = {"ResponseContentType": content_type, "ResponseCacheControl": NO_STORE}
        if download_name:
            parameters["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
        response: HttpResponseBase = HttpResponseRedirect(storage.url(name, parameters=parameters, expire=expire))
    else:
        if not storage.exists(name):
            raise Http404
        response = FileResponse(
            storage.open(name, "rb"),
            content_type=content_type,
            as_attachment=bool(download_name),
            filename=download_name or "",
        )
        response["X-Content-Type-Options"] = "nosniff"
    # A redirect cached by a browser or proxy would outlive the presigned URL it points to.
    response["Cache-Control"] = NO_STORE
    return response


# What a storage backend raises when the storage itself fails (a full or read-only disk, S3 down or
# refusing): worth another try, and never the fault of the file being written.
STORAGE_ERRORS: tuple[type[Exception], ...] = (OSError, BotoCoreError, ClientError)
STORAGE_SAVE_ATTEMPTS = 3


def storage_save(name: str, data: bytes, *, pause_s: float = 1.0) -> str:
    """`default_storage.save`, tried again after a short pause when the storage fails; the last failure is raised."""
    for attempt in range(1, STORAGE_SAVE_ATTEMPTS + 1):
        try:
            return default_storage.save(name, ContentFile(data))
        except STORAGE_ERRORS as error:
            if attempt == STORAGE_SAVE_ATTEMPTS:
                raise
            logger.warning("storage: saving %s failed (%s), trying again", name, type(error).__name__)
            time.sleep(pause_s * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
