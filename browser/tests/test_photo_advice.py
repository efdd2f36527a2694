"""Advice before sending (orders/advice.py): the upload page shows what paints well with its examples;
a photo smaller than the chosen style paints at, or very dark, gets a warning under it as soon as it
is chosen, in the customer's language; the customer can send it all the same."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image, ImageStat
from playwright.sync_api import expect

from browser.tests.accessibility import assert_accessible
from browser.tests.conftest import Shop
from browser.tests.shop import Screenshots
from orders.advice import DARK_MEAN_LUMA, FACE_BOX_PER_EYES, SMALL_FACE_EYES
from painter.references import reference_photos, small_face_scene

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_mock import MockerFixture


pytestmark = [pytest.mark.browser, pytest.mark.slow]

CASES = [("en", "desktop"), ("es", "phone"), ("es", "desktop"), ("en", "phone")]
LARGEST_PASS = 640
FACE = "The face in this photo is small for this style: its eyes and mouth may be lost in the brushstrokes. A closer photo of the face paints better, but you can send this one."  # noqa: E501
DARK = "This photo is very dark, and paintings of dark photos often come out murky, with little to see. A brighter photo paints better, but you can send this one."  # noqa: E501


def photo(path: Path, size: tuple[int, int], mean: int) -> Path:
    """A photo with some texture around a mean grey level."""
    rng = np.random.default_rng(3)
    pixels = np.clip(rng.normal(mean, 12, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def small_warning(language: str, width: int, height: int) -> str:
    with translation.override(language):
        text = gettext(
            "This photo is %(width)s × %(height)s pixels, and this style paints at %(size)s pixels on the long "
            "side, so the painting may come out soft. A larger photo paints better, but you can send this one."
        )
    return text % {"width": width, "height": height, "size": LARGEST_PASS}


@pytest.mark.parametrize(("language", "device"), CASES, ids=[f"{lang}-{device}" for lang, device in CASES])
def test_a_small_or_dark_photo_is_warned_about_and_can_be_sent_all_the_same(
    shop: Shop,
    open_browser: Callable[[str, str], Page],
    mocker: MockerFixture,
    tmp_path: Path,
    language: str,
    device: str,
) -> None:
    from orders.models import Order
    from styles.models import Style

    mocker.patch("orders.enqueue.render_job_enqueue")  # this test is about the page, not the painting
    big = Style.objects.get(slug="starry")
    recipe = dict(big.recipe)
    recipe["passes"] = [dict(recipe["passes"][0], size=320), dict(recipe["passes"][1], size=LARGEST_PASS)]
    Style.objects.filter(pk=big.pk).update(recipe=recipe)
    small = photo(tmp_path / "small.jpg", (400, 300), 130)
    dark = photo(tmp_path / "night.jpg", (800, 600), 18)
    with Image.open(dark) as opened:
        assert ImageStat.Stat(opened.convert("L")).mean[0] < DARK_MEAN_LUMA
    page = open_browser(language, device)
    shots = Screenshots(f"{language}-{device}-photo-advice")
    page.goto(f"{shop.url}/{language}/")
    expect(page.locator("#photo-advice .advice-examples img")).to_have_count(4)
    warnings = page.locator("#photo-warnings")
    expect(warnings).to_be_hidden()

    # Smaller than the chosen style paints at: said with both sizes; gone with a style that paints smaller.
    page.locator(f"label[for=style-{big.pk}]").click()
    page.set_input_files("#id_photo", small)
    expect(warnings).to_have_text(small_warning(language, 400, 300))
    shots.take(page, "small")
    assert_accessible(page)
    page.locator("label.style-card", has_not=page.locator(f"#style-{big.pk}")).first.click()
    expect(warnings).to_be_hidden()

    # Very dark, whatever the style.
    page.set_input_files("#id_photo", dark)
    with translation.override(language):
        expect(warnings).to_have_text(gettext(DARK))
    shots.take(page, "dark")
    assert_accessible(page)

    # The rule's edges: as large as the largest pass is enough, and so is the threshold itself.
    edges = page.evaluate(
        """([size, dark]) => {
          const rule = window.picmatixPhotoAdvice.warnings;
          const warn = (w, h, luma) => rule({width: w, height: h, meanLuma: luma}, size, dark).length;
          return [warn(size, 10, dark), warn(10, size - 1, dark), warn(size, size, dark - 0.1), warn(size - 1, 10, 0)];
        }""",
        [LARGEST_PASS, DARK_MEAN_LUMA],
    )
    assert edges == [0, 1, 1, 2]

    # A warning, not a refusal: the order is made.
    page.locator("#id_email").fill("ana@example.com")
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(f"{shop.url}/{language}/orders/*/", timeout=30_000)
    assert Order.objects.count() == 1


FACE_CASES = [("en", "desktop"), ("es", "phone")]


@pytest.mark.parametrize(("language", "device"), FACE_CASES, ids=[f"{lang}-{device}" for lang, device in FACE_CASES])
def test_a_face_small_for_the_style_is_warned_about(
    shop: Shop, open_browser: Callable[[str, str], Page], tmp_path: Path, language: str, device: str
) -> None:
    from styles.models import Style

    big = Style.objects.get(slug="starry")
    recipe = dict(big.recipe)
    recipe["passes"] = [dict(recipe["passes"][0], size=320), dict(recipe["passes"][1], size=LARGEST_PASS)]
    Style.objects.filter(pk=big.pk).update(recipe=recipe)
    # Eyes 10 px apart once the photo is painted at 640 px: under SMALL_FACE_EYES.
    far, _ = small_face_scene(10 * 1536 / LARGEST_PASS, 1536)
    far.save(tmp_path / "far.jpg", quality=90)
    ((_, portrait),) = reference_photos(("astronaut",))
    with Image.open(portrait) as opened:  # large enough for the style: only the face is judged
        opened.convert("RGB").resize((1024, 1024), Image.Resampling.LANCZOS).save(tmp_path / "close.jpg", quality=90)
    page = open_browser(language, device)
    shots = Screenshots(f"{language}-{device}-photo-advice")
    page.goto(f"{shop.url}/{language}/")
    page.locator(f"label[for=style-{big.pk}]").click()
    warnings = page.locator("#photo-warnings")
    with page.expect_response(lambda response: response.url.endswith("/photo-check/")) as checked:
        page.set_input_files("#id_photo", tmp_path / "far.jpg")
    assert checked.value.status == 200
    assert checked.value.request.post_data_buffer is not None
    assert len(checked.value.request.post_data_buffer) < 256 * 1024  # a small copy, not the photo
    with translation.override(language):
        expect(warnings).to_have_text(gettext(FACE))
    shots.take(page, "small-face")
    assert_accessible(page)

    # A face that fills the frame: no warning.
    with page.expect_response(lambda response: response.url.endswith("/photo-check/")):
        page.set_input_files("#id_photo", tmp_path / "close.jpg")
    expect(warnings).to_be_hidden()
    # The rule's edge: a face as wide as the threshold at the largest pass is not warned about.
    edges = page.evaluate(
        """([size, below]) => {
          const rule = window.picmatixPhotoAdvice.warnings;
          const warn = (face) => rule({width: 2000, height: 1500, meanLuma: 128, face: face}, size, 0, below).length;
          return [warn(below / size), warn((below - 1) / size), warn(null)];
        }""",
        [LARGEST_PASS, round(SMALL_FACE_EYES * FACE_BOX_PER_EYES)],
    )
    assert edges == [0, 1, 0]
