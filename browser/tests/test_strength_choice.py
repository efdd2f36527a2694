""" "How much of the painting" on the upload page: shown, with the style's three examples, for a style
whose calibration painted them; hidden and back at "as shown" with a style that does not offer it; the
customer's choice reaches the order. In English and Spanish, on a desktop and a phone, axe-clean and
no wider than the phone's screen."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image
from playwright.sync_api import expect

from browser.tests.accessibility import assert_accessible
from browser.tests.conftest import DEVICES, Shop
from browser.tests.shop import SCREENSHOTS
from conftest import jpeg_bytes

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = [pytest.mark.browser, pytest.mark.slow]

CASES = [("en", "desktop"), ("es", "phone"), ("es", "desktop"), ("en", "phone")]
STRENGTHS = ("lighter", "as_shown", "stronger")
LABELS = {"lighter": "Lighter", "as_shown": "As shown", "stronger": "Stronger"}


def portrait(strength: int) -> bytes:
    """A small stand-in for the calibration's portrait (128 px, as painter.calibrate paints it),
    busier the stronger it is."""
    rng = np.random.default_rng(strength)
    y, x = np.mgrid[0:128, 0:128]
    face = ((x - 64) ** 2 + (y - 60) ** 2 < 40**2)[..., None] * np.array([210, 170, 140])
    background = np.array([60, 90, 160])[None, None, :] * ((x + y) / 256)[..., None]
    noise = rng.normal(0, 25 * strength, (128, 128, 3))
    pixels = np.clip(np.where(face > 0, face, background) + noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def offer_strength(style: Style) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    style.strength_examples = {
        name: default_storage.save(f"styles/strength/{style.slug}-{name}.jpg", ContentFile(portrait(number)))
        for number, name in enumerate(STRENGTHS)
    }
    style.save(update_fields=["strength_examples"])


def translated(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def expect_examples_shown(page: Page, field: Locator, slug: str) -> None:
    """The fieldset in view with the style's three examples, loaded, each above its radio's label."""
    expect(field).to_be_visible()
    images = field.locator("img.strength-example")
    expect(images).to_have_count(3)
    for index, name in enumerate(STRENGTHS):
        expect(images.nth(index)).to_be_visible()
        expect(images.nth(index)).to_have_attribute("src", f"/styles/{slug}/strength-{name}.jpg")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#strength-field img')].every((i) => i.complete && i.naturalWidth > 0)"
    )


def assert_within_the_screen(page: Page, field: Locator) -> None:
    """Every option inside the page's width, and each one's text inside its option."""
    width = page.evaluate("() => document.documentElement.clientWidth")
    for box in [field.bounding_box(), *(o.bounding_box() for o in field.locator(".strength-option").all())]:
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
    # Side by side, to compare: none wrapped to a line of its own.
    tops = {round(box["y"]) for o in field.locator(".strength-option img").all() if (box := o.bounding_box())}
    assert len(tops) == 1
    overflowing = page.evaluate(
        "() => [...document.querySelectorAll('#strength-field .strength-option')]"
        ".filter((o) => o.scrollWidth > o.clientWidth).length"
    )
    assert overflowing == 0


@pytest.mark.parametrize(("language", "device"), CASES, ids=[f"{lang}-{device}" for lang, device in CASES])
def test_the_strength_follows_the_style_and_reaches_the_order(
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
    calibrated, plain = Style.objects.get(slug="starry"), Style.objects.get(slug="scream")
    offer_strength(calibrated)
    assert not plain.offers_strength
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes((800, 600)))
    page = open_browser(language, device)
    page.goto(f"{shop.url}/{language}/")
    field = page.locator("#strength-field")
    expect(field).to_be_hidden()  # no style chosen yet

    page.locator(f"label[for=style-{calibrated.pk}]").click()
    expect_examples_shown(page, field, calibrated.slug)
    expect(field.locator("legend")).to_have_text(translated(language, "How much of the painting"))
    for index, name in enumerate(STRENGTHS):
        expect(field.locator(".strength-option").nth(index)).to_contain_text(translated(language, LABELS[name]))
    expect(page.locator("input[name=strength][value=as_shown]")).to_be_checked()
    field.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"strength-{language}-{device}.png")
    assert_within_the_screen(page, field)
    assert_accessible(page)
    if device == "phone":  # and on the narrowest phones still sold (320 CSS pixels)
        page.set_viewport_size({"width": 320, "height": 640})
        assert_within_the_screen(page, field)
        page.set_viewport_size(DEVICES[device]["viewport"])

    # Another style without strengths: the choice goes, back at "as shown"; and comes back with the first.
    page.locator("label.strength-option", has=page.locator("input[value=stronger]")).click()
    expect(page.locator("input[name=strength][value=stronger]")).to_be_checked()
    page.locator(f"label[for=style-{plain.pk}]").click()
    expect(field).to_be_hidden()
    expect(page.locator("input[name=strength][value=as_shown]")).to_be_checked()
    page.locator(f"label[for=style-{calibrated.pk}]").click()
    expect_examples_shown(page, field, calibrated.slug)

    page.locator("label.strength-option", has=page.locator("input[value=stronger]")).click()
    page.set_input_files("#id_photo", photo)
    page.locator("#id_email").fill("ana@example.com")
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(f"{shop.url}/{language}/orders/*/", timeout=30_000)
    order = Order.objects.get()
    assert order.style_id == calibrated.pk
    assert order.strength == Order.Strength.STRONGER
