"""The stored photo is only as large as the renders need (PICMATIX_PHOTO_MAX_SIDE on its long side):
a large JPEG is decoded at reduced scale, turned upright and scaled to that bound; smaller photos are
kept as they are, and a file claiming too many pixels is refused from its header before decoding."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile
from PIL.JpegImagePlugin import JpegImageFile

from conftest import jpeg_bytes
from orders.images import photo_clean
from orders.models import Order

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from picmatix.tests.s3server import S3
    from styles.models import Style


RED, BLUE = (220, 20, 20), (20, 20, 220)


def halves(size: tuple[int, int]) -> Image.Image:
    """Left half red, right half blue: after a quarter turn clockwise, red is on top."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def sideways_jpeg(size: tuple[int, int], fmt: str = "JPEG", **options: Any) -> bytes:
    """As a phone writes a portrait photo: the sensor's landscape pixels, EXIF says turn them."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    halves(size).save(buffer, fmt, exif=exif, quality=90, **options)
    return buffer.getvalue()


def clean(data: bytes, *, max_side: int, max_pixels: int = 10**7) -> Any:
    return photo_clean(io.BytesIO(data), size=len(data), max_bytes=10**7, max_pixels=max_pixels, max_side=max_side)


def assert_upright_halves(image: Image.Image) -> None:
    width, height = image.size
    rgb = image.convert("RGB")
    top, bottom = rgb.getpixel((width // 2, height // 8)), rgb.getpixel((width // 2, height * 7 // 8))
    assert isinstance(top, tuple)
    assert isinstance(bottom, tuple)
    assert top[0] > 180, top
    assert top[2] < 60, top
    assert bottom[2] > 180, bottom
    assert bottom[0] < 60, bottom


@pytest.mark.django_db
def test_a_large_sideways_phone_jpeg_is_stored_upright_with_its_long_side_at_the_bound(
    client: Client, style: Style, media: Path, mocker: MockerFixture, settings: Settings
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    settings.PHOTO_MAX_SIDE = 400
    data = sideways_jpeg((1600, 1200))

    response = client.post(
        "/en/", {"photo": SimpleUploadedFile("IMG_0001.JPG", data), "style": style.pk, "email": "ana@example.com"}
    )

    assert response.status_code == 303
    order = Order.objects.get()
    with Image.open(media / order.content_image.name) as stored:
        # Portrait once turned: the bound is on the long side, which is now the height.
        assert stored.size == (300, 400) == (order.content_width, order.content_height)
        assert_upright_halves(stored)
        assert not stored.getexif()
    assert b"PhoneMaker" not in (media / order.content_image.name).read_bytes()


def test_a_large_jpeg_is_decoded_at_reduced_scale(mocker: MockerFixture) -> None:
    draft = mocker.spy(JpegImageFile, "draft")
    photo = clean(sideways_jpeg((1600, 1200)), max_side=400)

    # 1600 x 1200 asked for 400 on its long side: libjpeg decodes at 1/4, 400 x 300, not 1.9 MP.
    assert draft.call_count == 1
    _mode, box = draft.spy_return
    assert box == (0, 0, 400, 300)
    assert (photo.width, photo.height) == (300, 400)


def test_the_bound_is_kept_when_the_scale_is_not_a_power_of_two() -> None:
    photo = clean(sideways_jpeg((1500, 1000)), max_side=512)

    with Image.open(io.BytesIO(photo.data)) as stored:
        assert stored.size == (photo.width, photo.height) == (341, 512)
        assert_upright_halves(stored)


def test_a_large_png_is_scaled_to_the_bound_too() -> None:
    buffer = io.BytesIO()
    halves((900, 600)).transpose(Image.Transpose.ROTATE_270).save(buffer, "PNG")  # already upright

    photo = clean(buffer.getvalue(), max_side=300)

    with Image.open(io.BytesIO(photo.data)) as stored:
        assert stored.size == (photo.width, photo.height) == (200, 300)
        assert_upright_halves(stored)


def test_a_photo_smaller_than_the_bound_is_not_enlarged() -> None:
    photo = clean(jpeg_bytes((300, 200)), max_side=1024)

    with Image.open(io.BytesIO(photo.data)) as stored:
        assert stored.size == (photo.width, photo.height) == (300, 200)


def test_a_large_mpo_from_a_phone_is_stored_as_its_first_picture_upright_at_the_bound() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    depth = Image.new("RGB", (1600, 1200), (0, 255, 0))
    buffer = io.BytesIO()
    halves((1600, 1200)).save(buffer, "MPO", save_all=True, append_images=[depth], exif=exif)

    photo = clean(buffer.getvalue(), max_side=400)

    assert photo.data.count(b"\xff\xd8") == 1
    assert b"MPF\x00" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as stored:
        assert stored.size == (300, 400)
        assert_upright_halves(stored)  # the photo, not the green depth map


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims another size: the body is far too short for it."""
    data = bytearray(jpeg_bytes((64, 64)))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_a_jpeg_header_claiming_100_megapixels_is_refused_before_anything_is_decoded(mocker: MockerFixture) -> None:
    load = mocker.spy(ImageFile.ImageFile, "load")
    draft = mocker.spy(JpegImageFile, "draft")

    with pytest.raises(ValidationError) as refused:
        clean(jpeg_claiming(12_000, 8_400), max_side=1024, max_pixels=40_000_000)

    assert refused.value.code == "too_many_pixels"
    assert load.call_count == 0
    assert draft.call_count == 0


def test_a_jpeg_header_over_the_pixel_limit_is_refused_even_though_it_would_be_stored_small(
    mocker: MockerFixture,
) -> None:
    # 45 MP: between the limit and twice it, where Pillow only warns; scaled, it would fit easily.
    load = mocker.spy(ImageFile.ImageFile, "load")

    with pytest.raises(ValidationError) as refused:
        clean(jpeg_claiming(7_500, 6_000), max_side=1024, max_pixels=40_000_000)

    assert refused.value.code == "too_many_pixels"
    assert load.call_count == 0


def test_the_default_bound_covers_every_preset_recipe_and_the_order_pages_preview() -> None:
    from painter.pipeline import PREVIEW_SIDE
    from painter.recipe import PRESETS

    largest_pass = max(spec.size for recipe in PRESETS.values() for spec in recipe.passes)
    assert max(largest_pass, PREVIEW_SIDE) <= django_settings.PHOTO_MAX_SIDE


@pytest.mark.django_db
def test_a_photo_sent_straight_to_s3_is_stored_at_the_bound_too(
    s3: S3, client: Client, style: Style, mocker: MockerFixture, settings: Settings
) -> None:
    from orders.tests.test_direct_upload import browser_upload, order_form, policy

    mocker.patch("orders.enqueue.render_job_enqueue")
    settings.DIRECT_UPLOAD = True
    settings.PHOTO_MAX_SIDE = 400
    given = policy(client)
    assert browser_upload(given, sideways_jpeg((1600, 1200))).status_code == 204

    response = client.post("/en/", order_form(style, upload=given["token"]))

    assert response.status_code == 303, response.content.decode()[:2000]
    order = Order.objects.get()
    assert (order.content_width, order.content_height) == (300, 400)
    with Image.open(io.BytesIO(s3.read(order.content_image.name))) as stored:
        assert stored.size == (300, 400)
        assert_upright_halves(stored)


def test_a_transparent_png_is_turned_by_its_exif_and_scaled() -> None:
    # The transparent photo is flattened onto white before it is scaled and turned: the orientation
    # must survive that.
    exif = Image.Exif()
    exif[0x0112] = 6
    image = halves((900, 600)).convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif)

    photo = clean(buffer.getvalue(), max_side=300)

    with Image.open(io.BytesIO(photo.data)) as stored:
        assert stored.size == (200, 300)
        assert_upright_halves(stored)
