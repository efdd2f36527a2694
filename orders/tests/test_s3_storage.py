"""Files on S3 (moto's server over HTTP): private objects, random keys, short-lived presigned links."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from conftest import jpeg_bytes
from core.files import private_file_response
from orders.images import photo_clean
from orders.models import Order, RenderJob
from orders.services import order_create

if TYPE_CHECKING:
    from django.test import Client, RequestFactory
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from picmatix.tests.s3server import S3
    from styles.models import Style


pytestmark = pytest.mark.django_db


def clean(data: bytes) -> Any:
    return photo_clean(io.BytesIO(data), size=len(data), max_bytes=10**7, max_pixels=10**7)


def done_order(style: Style, preview: bytes = b"\xff\xd8preview-bytes") -> Order:
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    RenderJob.objects.create(
        order=order,
        status=RenderJob.Status.DONE,
        preview=default_storage.save("renders/0123456789abcdef0123456789abcdef-preview.jpg", ContentFile(preview)),
        hd=default_storage.save("renders/0123456789abcdef0123456789abcdef-hd.png", ContentFile(b"hd")),
    )
    return order


def test_an_order_photo_is_stored_privately_in_s3_under_a_random_key(
    s3: S3, style: Style, mocker: MockerFixture
) -> None:
    mocker.patch("orders.enqueue.render_job_enqueue")
    order = order_create(email="a@example.com", style=style, photo=clean(jpeg_bytes()), language="en")
    assert re.fullmatch(r"uploads/[0-9a-f]{32}\.jpg", order.content_image.name)
    assert order.content_image.name in s3.keys("uploads/")
    assert s3.read(order.content_image.name)[:2] == b"\xff\xd8"
    grants = s3.client.get_object_acl(Bucket=s3.bucket, Key=order.content_image.name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner only: nothing public


def test_the_preview_redirects_to_a_presigned_url_that_works_and_then_expires(
    s3: S3, style: Style, settings: Settings, client: Client
) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_settings(querystring_expire=2)}
    order = done_order(style)
    response = client.get(reverse("orders:preview_image", kwargs={"token": order.token}))
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    url = response["Location"]
    assert url.startswith(s3.endpoint)
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=2" in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == b"\xff\xd8preview-bytes"
    assert fetched.headers["Content-Type"] == "image/jpeg"
    time.sleep(3)
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403
    assert b"expired" in expired.content


def test_the_progress_image_redirects_while_painting(s3: S3, style: Style, client: Client) -> None:
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    name = default_storage.save("progress/0123456789abcdef0123456789abcdef.jpg", ContentFile(b"\xff\xd8step"))
    RenderJob.objects.create(order=order, status=RenderJob.Status.RUNNING, progress_image=name)
    response = client.get(reverse("orders:progress_image", kwargs={"token": order.token}))
    assert response.status_code == 302
    assert requests.get(response["Location"], timeout=10).content == b"\xff\xd8step"


def test_a_download_name_makes_the_browser_save_the_file(s3: S3, style: Style, rf: RequestFactory) -> None:
    order = done_order(style)
    job = order.current_job
    response = private_file_response(job.hd.name, "image/png", download_name="painting.png", expire=30)
    fetched = requests.get(response["Location"], timeout=10)
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="painting.png"'
    assert fetched.headers["Content-Type"] == "image/png"


def test_local_storage_still_streams_through_the_view(media: Path, style: Style, client: Client) -> None:
    order = done_order(style)
    response = client.get(reverse("orders:preview_image", kwargs={"token": order.token}))
    assert response.status_code == 200
    assert response.getvalue() == b"\xff\xd8preview-bytes"
    assert "no-store" in response["Cache-Control"]
