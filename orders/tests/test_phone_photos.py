"""Photos as phones and cameras write them: multi-picture JPEGs (MPO), odd JPEG variants, broken
EXIF. Each is taken as its first picture, upright, with no metadata left; a file we cannot take is
refused with a message that says what is wrong with it, in the customer's language."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import jpeg_bytes, stored_files
from orders.models import Order

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db

RED, BLUE = (220, 20, 20), (20, 20, 220)


def post(client: Client, style: Style, data: bytes, name: str, language: str = "en") -> _MonkeyPatchedWSGIResponse:
    fields = {"photo": SimpleUploadedFile(name, data), "style": style.pk, "email": "ana@example.com"}
    return client.post(f"/{language}/", fields)


def phone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {2: (40.0, 26.0, 46.0), 1: "N"}  # a GPS position
    return exif


def mpo_bytes() -> bytes:
    """A phone's multi-picture file: the photo (red, EXIF says turn it) and a depth map (blue)."""
    first = Image.new("RGB", (120, 80), RED)
    depth = Image.new("RGB", (120, 80), BLUE)
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[depth], exif=phone_exif())
    return buffer.getvalue()


def test_an_mpo_from_a_phone_is_stored_as_its_first_picture_upright_and_without_metadata(
    client: Client, style: Style, media: Path, mocker: MockerFixture
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    data = mpo_bytes()
    with Image.open(io.BytesIO(data)) as sent:
        assert (sent.format, getattr(sent, "n_frames", 1)) == ("MPO", 2)  # what Pillow reports for such a file

    response = post(client, style, data, "IMG_0042.JPG")

    assert response.status_code == 303
    order = Order.objects.get()
    stored_bytes = (media / order.content_image.name).read_bytes()
    with Image.open(io.BytesIO(stored_bytes)) as stored:
        assert stored.format == "JPEG"
        assert getattr(stored, "n_frames", 1) == 1
        assert stored.size == (80, 120) == (order.content_width, order.content_height)
        pixel = stored.convert("RGB").getpixel((40, 60))
        assert isinstance(pixel, tuple)
        red, _green, blue = pixel
        assert red > 180
        assert blue < 60
        assert not stored.getexif()
        assert not {"exif", "mp", "mpoffset", "icc_profile", "xmp"} & set(stored.info)
    assert b"MPF\x00" not in stored_bytes
    assert b"PhoneMaker" not in stored_bytes
    assert stored_bytes.count(b"\xff\xd8") == 1  # one picture: the depth map was left behind


def _jpeg(**save_options: Any) -> bytes:
    mode = "CMYK" if save_options.pop("cmyk", False) else "RGB"
    image = Image.new(mode, (96, 72), (0, 100, 200, 0) if mode == "CMYK" else (200, 120, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **save_options)
    return buffer.getvalue()


def _jpeg_with_raw_exif(orientation_entry: bytes) -> bytes:
    """A JPEG whose EXIF holds one hand-written orientation entry (tag, type, count, value)."""
    tiff = b"MM\x00*" + struct.pack(">IH", 8, 1) + orientation_entry + b"\x00\x00\x00\x00"
    return _jpeg(exif=b"Exif\x00\x00" + tiff)


VARIANTS = {
    "progressive": _jpeg(progressive=True),
    "cmyk-adobe": _jpeg(cmyk=True),
    "restart-markers-and-no-subsampling": _jpeg(subsampling=0, restart_marker_blocks=1),
    "orientation-as-text": _jpeg_with_raw_exif(struct.pack(">HHI", 0x0112, 2, 4) + b"abc\x00"),
    "orientation-out-of-range": _jpeg_with_raw_exif(struct.pack(">HHI", 0x0112, 3, 1) + b"\x00\x63\x00\x00"),
    "orientation-pointing-past-the-end": _jpeg_with_raw_exif(struct.pack(">HHII", 0x0112, 3, 9, 99999)),
    "exif-cut-short": _jpeg(exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05"),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_jpeg_variants_and_broken_exif_are_accepted(
    client: Client, style: Style, media: Path, mocker: MockerFixture, variant: Any
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    response = post(client, style, VARIANTS[variant], "photo.jpg")
    assert response.status_code == 303
    with Image.open(media / Order.objects.get().content_image.name) as stored:
        assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (96, 72))
        assert not stored.getexif()


def _truncated_jpeg() -> bytes:
    data = jpeg_bytes((400, 300))
    return data[: len(data) // 2]


def _corrupt_jpeg() -> bytes:
    data = bytearray(jpeg_bytes((400, 300)))
    quantisation = data.index(b"\xff\xdb")
    data[quantisation + 1] = 0xFE  # its quantisation table overwritten (now a comment): undecodable
    return bytes(data)


def _twelve_bit_jpeg() -> bytes:
    data = bytearray(jpeg_bytes())
    frame = data.index(b"\xff\xc0")
    data[frame + 4] = 12  # sample precision: what medical and raw-developing tools write
    return bytes(data)


def _image(fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), RED).save(buffer, fmt, **options)
    return buffer.getvalue()


ANIMATED_GIF = _image("GIF", save_all=True, append_images=[Image.new("RGB", (100, 100), BLUE)])

# (file, name, English message, Spanish message)
REFUSALS = {
    "truncated-jpeg": (
        _truncated_jpeg(),
        "photo.jpg",
        "This photo seems damaged or incomplete, so we cannot read it.",
        "Esta foto parece dañada o incompleta, así que no podemos leerla.",
    ),
    "corrupt-jpeg": (
        _corrupt_jpeg(),
        "photo.jpg",
        "This photo seems damaged or incomplete, so we cannot read it.",
        "Esta foto parece dañada o incompleta, así que no podemos leerla.",
    ),
    "twelve-bit-jpeg": (
        _twelve_bit_jpeg(),
        "scan.jpg",
        "This JPEG is saved in a special form (12-bit or lossless) that we cannot read.",
        "Este JPEG está guardado en una forma especial (12 bits o sin pérdida) que no podemos leer.",
    ),
    "animated-gif": (
        ANIMATED_GIF,
        "party.gif",
        "This file is an animated GIF. We take photos in JPEG, PNG, WebP or HEIC format.",
        "Este archivo es un GIF animado. Aceptamos fotos en formato JPEG, PNG, WebP o HEIC.",
    ),
    "tiff": (
        _image("TIFF"),
        "scan.tif",
        "This file is a TIFF image. We take photos in JPEG, PNG, WebP or HEIC format.",
        "Este archivo es una imagen TIFF. Aceptamos fotos en formato JPEG, PNG, WebP o HEIC.",
    ),
    "bmp": (
        _image("BMP"),
        "paint.bmp",
        "This file is a BMP image. We take photos in JPEG, PNG, WebP or HEIC format.",
        "Este archivo es una imagen BMP. Aceptamos fotos en formato JPEG, PNG, WebP o HEIC.",
    ),
    "pdf": (
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
        "photo.pdf",
        "This file is a PDF document. We take photos in JPEG, PNG, WebP or HEIC format.",
        "Este archivo es un documento PDF. Aceptamos fotos en formato JPEG, PNG, WebP o HEIC.",
    ),
    "tga": (
        _image("TGA"),
        "photo.tga",
        "This file is an image in TGA format. We take photos in JPEG, PNG, WebP or HEIC format.",
        "Este archivo es una imagen en formato TGA. Aceptamos fotos en formato JPEG, PNG, WebP o HEIC.",
    ),
    "text": (
        b"Dear diary, today we went to the beach.\n",
        "holidays.jpg",
        "This file is not an image we can read.",
        "Este archivo no es una imagen que podamos leer.",
    ),
}
CASES = [(case, language) for case in REFUSALS for language in ("en", "es")]


@pytest.mark.parametrize(("case", "language"), CASES, ids=[f"{case}-{language}" for case, language in CASES])
def test_a_refused_file_is_told_what_is_wrong_in_the_customers_language(
    client: Client, style: Style, media: Path, case: Any, language: Any
) -> None:
    data, name, english, spanish = REFUSALS[case]
    before = stored_files(media)
    response = post(client, style, data, name, language=language)
    assert response.status_code == 200
    body = response.content.decode()
    assert (english if language == "en" else spanish) in body
    if case.endswith("jpeg"):  # never "upload a JPEG" to someone who did
        assert "Please upload a JPEG" not in body
        assert "Sube una foto JPEG" not in body
    assert Order.objects.count() == 0
    assert stored_files(media) == before
