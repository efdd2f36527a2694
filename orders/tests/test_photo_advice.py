"""The upload page says what paints well and what does not, with small drawn examples, and hands its
script what a chosen photo is compared with: each style's largest pass and the dark threshold. A
photo the script warns about is still taken (browser/tests/test_photo_advice.py tries the warnings)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageStat

from conftest import jpeg_bytes
from orders.advice import (
    DARK_MEAN_LUMA,
    FACE_BOX_PER_EYES,
    FACE_CHECK_SIDE,
    SMALL_FACE_EYES,
    photo_advice_limits,
    style_largest_pass,
)
from orders.advice_examples import EXAMPLES, FOLDER, SIZE
from orders.models import Order
from painter.recipe import recipe_preset

if TYPE_CHECKING:
    from django.test import Client
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db

# The four examples together stay a small part of the home page's budget on a phone
# (browser/tests/test_customer_pages.py).
MAX_EXAMPLE_BYTES = 6_000


def limits_on_page(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="photo-advice-limits" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert found is not None, "the page hands its script no limits"
    return json.loads(found.group(1))


def with_recipe(style: Style, sizes: list[int]) -> Style:
    data = recipe_preset("tiny").to_dict()
    data["passes"] = [dict(data["passes"][0], size=size) for size in sizes]
    data["passes"][1:] = [dict(spec, init="previous") for spec in data["passes"][1:]]
    style.recipe = data
    style.save(update_fields=["recipe"])
    return style


def test_a_style_s_largest_pass_is_the_long_side_of_its_biggest_pass_wherever_it_is(style: Style) -> None:
    assert style_largest_pass(with_recipe(style, [960, 350])) == 960


def test_a_style_whose_recipe_the_engine_refuses_has_no_size_to_warn_about(style: Style) -> None:
    style.recipe = {"passes": []}
    assert style_largest_pass(style) is None
    assert photo_advice_limits([style])["largestPass"] == {}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_page_hands_its_script_each_style_s_largest_pass_and_the_dark_threshold(
    client: Client, style: Style, language: str
) -> None:
    with_recipe(style, [320, 640])
    limits = limits_on_page(client.get(f"/{language}/").content.decode())
    assert limits == {
        "darkBelow": DARK_MEAN_LUMA,
        "largestPass": {str(style.pk): 640},
        "faceCheckSide": FACE_CHECK_SIDE,
        "smallFaceBelow": round(SMALL_FACE_EYES * FACE_BOX_PER_EYES),
    }


@pytest.mark.parametrize(
    ("language", "advice", "warning"),
    [
        (
            "en",
            ["What paints well:", "small faces far away, tiny objects, very dark photos, busy flower beds."],
            "This photo is very dark",
        ),
        (
            "es",
            ["Lo que mejor se pinta:", "caras pequeñas y lejanas, objetos diminutos, fotos muy oscuras"],
            "Esta foto es muy oscura",
        ),
    ],
)
def test_the_upload_page_says_what_paints_well_and_what_does_not_in_the_customer_s_language(
    client: Client, style: Style, language: str, advice: list[str], warning: str
) -> None:
    page = client.get(f"/{language}/").content.decode()
    section = re.search(r'<div class="photo-advice" id="photo-advice">(.*?)</div>', page, re.DOTALL)
    assert section is not None
    for words in advice:
        assert words in section.group(1)
    examples = re.findall(r'<img src="/static/picmatix/advice/([a-z-]+)\.jpg"', section.group(1))
    assert examples == list(EXAMPLES)
    # The warnings' texts wait, translated, for the script.
    assert warning in page


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_photo_is_a_small_file_drawn_by_our_code(name: str) -> None:
    path = FOLDER / f"{name}.jpg"
    assert path.stat().st_size <= MAX_EXAMPLE_BYTES
    with Image.open(path) as image:
        assert image.size == SIZE


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_only_the_dark_example_is_under_the_dark_threshold(name: str) -> None:
    with Image.open(FOLDER / f"{name}.jpg") as image:
        luma = ImageStat.Stat(image.convert("L")).mean[0]
    assert (luma < DARK_MEAN_LUMA) == (name == "dark")


def test_a_small_dark_photo_is_taken_all_the_same(
    client: Client, style: Style, media: Path, mocker: MockerFixture
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    with_recipe(style, [320, 640])
    photo = SimpleUploadedFile("night.jpg", jpeg_bytes((200, 150), (10, 10, 20)), content_type="image/jpeg")
    response = client.post("/en/", {"photo": photo, "style": style.pk, "email": "ana@example.com"})
    assert response.status_code == 303
    assert Order.objects.count() == 1
