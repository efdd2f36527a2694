"""The upload page's face check (orders/advice.py): the browser sends a small grey copy of the chosen
photo; the answer is the largest face's width as a share of the copy's long side, or none. Nothing
is stored, anything else than a small JPEG or PNG is refused, and a client is rate-limited."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders.advice import FACE_BOX_PER_EYES, FACE_CHECK_MAX_BYTES, FACE_CHECK_SIDE, SMALL_FACE_EYES, photo_face_width
from painter import recipe_preset, render
from painter.calibrate import with_style_multiplier
from painter.faces import check_landmarks
from painter.recipe import recipe_small
from painter.references import reference_photos, small_face_scene
from painter.tests.conftest import SHARED, require_shared

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings


pytestmark = pytest.mark.django_db
URL = "/en/photo-check/"


def grey_copy(image: Image.Image, side: int = FACE_CHECK_SIDE, kind: str = "JPEG") -> SimpleUploadedFile:
    copy = image.convert("L")
    copy.thumbnail((side, side))
    buffer = io.BytesIO()
    copy.save(buffer, kind)
    return SimpleUploadedFile(f"copy.{kind.lower()}", buffer.getvalue(), content_type=f"image/{kind.lower()}")


def test_a_small_face_is_found_and_measured() -> None:
    for eyes in (16, 24, 32):
        scene, _ = small_face_scene(eyes, 640)
        copy = scene.copy()
        copy.thumbnail((FACE_CHECK_SIDE, FACE_CHECK_SIDE))
        width = photo_face_width(copy)
        assert width is not None, eyes
        # The box is about FACE_BOX_PER_EYES eye distances wide, at the scene's size.
        assert width * 640 == pytest.approx(eyes * FACE_BOX_PER_EYES, rel=0.25)


def test_no_face_no_answer() -> None:
    for key in ("chelsea", "coffee", "rocket"):
        ((_, path),) = reference_photos((key,))
        with Image.open(path) as opened:
            copy = opened.convert("RGB")
        copy.thumbnail((FACE_CHECK_SIDE, FACE_CHECK_SIDE))
        assert photo_face_width(copy) is None, key


def test_the_page_hands_its_script_the_check_and_the_threshold(client: Client) -> None:
    page = client.get("/en/").content.decode()
    assert f'data-check="{URL}"' in page
    assert f'"smallFaceBelow": {round(SMALL_FACE_EYES * FACE_BOX_PER_EYES)}' in page


def test_the_check_answers_with_the_face_and_keeps_nothing(client: Client) -> None:
    before = default_storage.listdir("")
    scene, _ = small_face_scene(16, 640)
    response = client.post(URL, {"photo": grey_copy(scene)})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    face = response.json()["face"]
    assert 0.03 < face < 0.09
    assert default_storage.listdir("") == before
    ((_, path),) = reference_photos(("coffee",))
    with Image.open(path) as opened:
        assert client.post(URL, {"photo": grey_copy(opened)}).json() == {"face": None}


def test_anything_but_a_small_jpeg_or_png_is_refused(client: Client) -> None:
    scene, _ = small_face_scene(16, 1024)
    assert client.post(URL, {"photo": grey_copy(scene, side=FACE_CHECK_SIDE + 1)}).status_code == 400
    assert client.post(URL, {"photo": grey_copy(scene, kind="GIF")}).status_code == 400
    huge = SimpleUploadedFile("copy.jpg", b"\xff\xd8" + b"0" * FACE_CHECK_MAX_BYTES, content_type="image/jpeg")
    assert client.post(URL, {"photo": huge}).status_code == 400
    junk = SimpleUploadedFile("copy.jpg", b"not an image", content_type="image/jpeg")
    assert client.post(URL, {"photo": junk}).status_code == 400
    assert client.post(URL, {}).status_code == 400
    assert client.get(URL).status_code == 405


def test_the_check_is_rate_limited_per_client(client: Client, settings: Settings) -> None:
    settings.PHOTO_CHECK_RATE = "2/h"
    scene, _ = small_face_scene(16, 320)
    assert [client.post(URL, {"photo": grey_copy(scene)}).status_code for _ in range(3)] == [200, 200, 429]


SCENE = 320  # the paintings' largest pass: strokes have a size in pixels, so only that size matters here


def test_a_face_the_painting_loses_is_one_the_page_warns_about() -> None:
    """The seed's known hard case, a small face, painted for real: The Scream at its calibrated weight
    (x4), the demo painting that needs the largest face, with the embedded default's schedule, loses
    the eyes and mouth of a face 24 px between the eyes, and the upload page's check warns about that
    photo. Where faces are kept (40 px and up for this painting, 16 for The Starry Night) is measured
    in bench/small_faces.py (bench/README.md, "Small faces"): one render here, for the suite's time."""
    style_path = require_shared(SHARED / "images" / "styles" / "the_scream.jpg")
    with Image.open(style_path) as opened:
        style = opened.convert("RGB")
    scene, landmarks = small_face_scene(24, SCENE)
    recipe = with_style_multiplier(recipe_small(recipe_preset("cpu"), SCENE), 4.0)
    painting = render(scene, [style], recipe, device="cpu").hd
    checks = check_landmarks(painting, scene, landmarks)
    assert not all(c.kept for c in checks), checks
    face = photo_face_width(scene)
    assert face is not None
    assert face * SCENE < round(SMALL_FACE_EYES * FACE_BOX_PER_EYES)
