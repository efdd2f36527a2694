"""core/files.py: a private file reaches the browser streamed from local storage or through a short
presigned S3 link, is never cached, and a missing one is a 404 (against an S3 server:
orders/tests/test_s3_storage.py)."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from storages.backends.s3 import S3Storage

from core.files import NO_STORE, private_file_response


@pytest.fixture
def storage(tmp_path: Path) -> FileSystemStorage:
    storage = FileSystemStorage(location=tmp_path)
    storage.save("photos/a.jpg", ContentFile(b"\xff\xd8photo"))
    return storage


def test_a_local_file_is_streamed_and_never_cached(storage: FileSystemStorage) -> None:
    response = private_file_response("photos/a.jpg", "image/jpeg", storage=storage)
    assert isinstance(response, FileResponse)
    assert response.getvalue() == b"\xff\xd8photo"
    assert response["Cache-Control"] == NO_STORE
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_download_name_makes_the_browser_save_a_local_file(storage: FileSystemStorage) -> None:
    response = private_file_response("photos/a.jpg", "image/jpeg", download_name="painting.jpg", storage=storage)
    assert response["Content-Disposition"] == 'attachment; filename="painting.jpg"'


@pytest.mark.parametrize("name", ["", "photos/missing.jpg"])
def test_a_missing_file_is_not_found(storage: FileSystemStorage, name: str) -> None:
    with pytest.raises(Http404):
        private_file_response(name, "image/jpeg", storage=storage)


def test_an_s3_file_is_a_redirect_to_a_presigned_link_that_says_how_to_serve_it() -> None:
    # Presigning is local arithmetic with the keys: no request reaches S3 here.
    s3 = S3Storage(bucket_name="private", access_key="AKIDEXAMPLE", secret_key="secret", region_name="eu-west-1")
    response = private_file_response("hd/a.png", "image/png", download_name="painting.png", expire=30, storage=s3)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert 20 <= int(query["Expires"][0]) - time.time() <= 30
    assert query["response-content-disposition"] == ['attachment; filename="painting.png"']
    assert query["response-cache-control"] == [NO_STORE]
    assert response["Cache-Control"] == NO_STORE
