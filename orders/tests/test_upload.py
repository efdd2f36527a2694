from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from kombu.exceptions import OperationalError
from PIL import Image

from conftest import jpeg_bytes, stored_files
from orders.models import Order, OrderEvent, RenderJob

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db


def post(
    client: Client,
    style: Style,
    photo: bytes,
    name: str = "photo.jpg",
    language: str = "en",
    fields: Any = None,
    **headers: Any,
) -> _MonkeyPatchedWSGIResponse:
    data = {
        "photo": SimpleUploadedFile(name, photo, content_type="image/jpeg"),
        "style": style.pk,
        "email": "ana@example.com",
        **(fields or {}),
    }
    return client.post(f"/{language}/", data, **headers)


def test_upload_creates_the_order_its_job_and_queues_the_render(
    client: Client,
    style: Style,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mocker: MockerFixture,
) -> None:
    delay = mocker.patch("rendering.tasks.render_job_run.delay")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, style, jpeg_bytes((120, 90)), language="es", fields={"gallery_consent": "on"})
    order = Order.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/es/orders/{order.token}/"
    assert (order.language, order.email, order.gallery_consent) == ("es", "ana@example.com", True)
    job = order.jobs.get()
    assert job.status == RenderJob.Status.QUEUED
    delay.assert_called_once_with(job.pk)
    assert list(OrderEvent.objects.values_list("kind", flat=True)) == [OrderEvent.Kind.ORDER_CREATED]
    assert len(stored_files(media / "uploads")) == 1


def test_a_broker_that_refuses_the_render_message_still_shows_the_customer_their_order(
    client: Client,
    style: Style,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mocker: MockerFixture,
) -> None:
    # The order is committed before the message is sent: the reaper sends it again later, and an
    # error page would only make the customer upload a second time.
    mocker.patch("rendering.tasks.render_job_run.delay", side_effect=OperationalError("connection refused"))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, style, jpeg_bytes())
    order = Order.objects.get()
    assert response["Location"] == f"/en/orders/{order.token}/"
    assert order.jobs.get().enqueued_at is not None


def test_gallery_consent_is_off_unless_ticked(client: Client, style: Style, mocker: MockerFixture) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    post(client, style, jpeg_bytes())
    assert Order.objects.get().gallery_consent is False


def test_the_stored_photo_is_oriented_and_stripped_of_metadata(
    client: Client, style: Style, media: Path, mocker: MockerFixture
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    image = Image.new("RGB", (120, 80), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x8825] = {2: (40.0, 26.0, 46.0), 1: "N"}  # a GPS position
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    post(client, style, buffer.getvalue())
    order = Order.objects.get()
    with Image.open(media / order.content_image.name) as stored:
        assert stored.size == (80, 120)
        assert (order.content_width, order.content_height) == (80, 120)
        assert not stored.getexif()
        assert "exif" not in stored.info
        assert "icc_profile" not in stored.info


def _png(mode: str, size: Any = (80, 80)) -> bytes:
    image = Image.new(mode, size)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["CMYK", "P", "RGBA", "LA", "I;16", "L"])
def test_unusual_colour_modes_are_converted_to_rgb(
    client: Client, style: Style, media: Path, mocker: MockerFixture, mode: str
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    if mode == "CMYK":
        buffer = io.BytesIO()
        Image.new("CMYK", (80, 80), (0, 100, 200, 0)).save(buffer, "JPEG")
        data, name = buffer.getvalue(), "photo.jpg"
    else:
        data, name = _png(mode), "photo.png"
    response = post(client, style, data, name=name)
    assert response.status_code == 303
    with Image.open(media / Order.objects.get().content_image.name) as stored:
        assert stored.mode == "RGB"


def test_webp_is_accepted(client: Client, style: Style, mocker: MockerFixture) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    buffer = io.BytesIO()
    Image.new("RGB", (90, 90), (1, 2, 3)).save(buffer, "WEBP")
    assert post(client, style, buffer.getvalue(), name="p.webp").status_code == 303


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG file that claims huge dimensions (a decompression bomb)."""
    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 16)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


REFUSALS = [
    ("not an image", b"%PDF-1.4 hello", "photo.pdf", "This file is a PDF document."),
    ("gif", None, "photo.gif", "This file is a GIF image. We take photos in JPEG, PNG, WebP or HEIC format."),
    ("too many pixels", _bomb_png(8000, 6000), "bomb.png", "too many pixels"),
    ("tiny", None, "tiny.png", "too small"),
]


@pytest.mark.parametrize(("case", "data", "name", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_photos_leave_no_file_and_no_order(
    client: Client, style: Style, media: Path, mocker: MockerFixture, case: Any, data: Any, name: Any, message: Any
) -> None:
    delay = mocker.patch("rendering.tasks.render_job_run.delay")
    if case == "gif":
        buffer = io.BytesIO()
        Image.new("RGB", (100, 100)).save(buffer, "GIF")
        data = buffer.getvalue()
    if case == "tiny":
        data = _png("RGB", (20, 20))
    before = stored_files(media)
    response = post(client, style, data, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Order.objects.count() == 0
    assert stored_files(media) == before
    delay.assert_not_called()


def test_a_file_over_the_byte_limit_is_refused(client: Client, style: Style, media: Path, settings: Settings) -> None:
    settings.UPLOAD_MAX_BYTES = 2000
    response = post(client, style, jpeg_bytes((400, 400)))
    assert "the limit is" in response.content.decode()
    assert Order.objects.count() == 0
    assert stored_files(media / "uploads") == []


def test_refusals_are_in_the_customers_language(client: Client, style: Style) -> None:
    response = post(client, style, b"nonsense", name="x.jpg", language="es")
    assert "no es una imagen que podamos leer" in response.content.decode()


def test_missing_style_and_bad_email_are_explained(client: Client, style: Style) -> None:
    response = client.post("/en/", {"photo": SimpleUploadedFile("p.jpg", jpeg_bytes()), "email": "not-an-email"})
    body = response.content.decode()
    assert "Please choose a style." in body
    assert "Enter a valid email address." in body
    assert Order.objects.count() == 0


def test_an_inactive_style_cannot_be_ordered(client: Client, style: Style) -> None:
    style.active = False
    style.save()
    response = post(client, style, jpeg_bytes())
    assert "Please choose a style." in response.content.decode()
    assert Order.objects.count() == 0


def test_uploads_are_rate_limited_per_ip(
    client: Client, style: Style, settings: Settings, mocker: MockerFixture
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    settings.UPLOAD_RATE = "2/h"
    from django.core.cache import cache

    cache.clear()
    statuses = [post(client, style, jpeg_bytes()).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert Order.objects.count() == 2
    assert post(client, style, jpeg_bytes(), REMOTE_ADDR="10.1.2.3").status_code == 303


def test_a_failing_database_write_removes_the_stored_photo(
    client: Client, style: Style, media: Path, mocker: MockerFixture
) -> None:
    mocker.patch("orders.services.RenderJob.objects.create", side_effect=RuntimeError("db down"))
    with pytest.raises(RuntimeError):
        post(client, style, jpeg_bytes())
    assert Order.objects.count() == 0
    assert stored_files(media / "uploads") == []
