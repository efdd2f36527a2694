"""On the order page the painting fills the screen, the slider compares it with the photo from the
keyboard, and the figure goes full screen."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image, ImageFilter, ImageOps
from playwright.sync_api import expect

from browser.tests.accessibility import assert_accessible
from browser.tests.conftest import DEVICES, Shop
from browser.tests.shop import Screenshots
from conftest import shared_path

if TYPE_CHECKING:
    from playwright.sync_api import Page


pytestmark = [pytest.mark.browser, pytest.mark.slow]

CASES = [("en", "desktop"), ("es", "phone")]
SLIDER_LABEL = "Slide to compare your photo (left) with the painting (right)"


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def painted_order(style_slug: str) -> Any:
    """An order whose preview is ready: a real photo and a painterly stand-in for the render, marked
    by the engine's watermark as the worker would (no render here: this test is about the page)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from orders.models import Order, RenderJob
    from painter.recipe import Watermark
    from painter.watermark import apply_watermark
    from styles.models import Style

    with Image.open(shared_path("images", "content", "golden_gate.jpg")) as opened:
        photo = opened.convert("RGB")
    photo.thumbnail((1280, 1280))
    painting = ImageOps.posterize(photo.filter(ImageFilter.ModeFilter(7)), 3)
    painting.thumbnail((1024, 1024))
    preview = apply_watermark(painting, Watermark())
    order = Order.objects.create(
        email="ana@example.com",
        style=Style.objects.get(slug=style_slug),
        content_image=default_storage.save("uploads/golden.jpg", ContentFile(_jpeg(photo))),
        content_width=photo.width,
        content_height=photo.height,
        status=Order.Status.PREVIEW_READY,
        currency="EUR",
    )
    RenderJob.objects.create(
        order=order,
        status=RenderJob.Status.DONE,
        preview=default_storage.save("renders/golden-preview.jpg", ContentFile(_jpeg(preview))),
        # The HD file too: a painting is for sale only while it is stored.
        hd=default_storage.save("renders/golden-hd.jpg", ContentFile(_jpeg(painting))),
        stats={"preview_size": list(preview.size)},
    )
    return order, preview.size


@pytest.mark.parametrize(("language", "device"), CASES, ids=[f"{lang}-{device}" for lang, device in CASES])
def test_the_comparison_slider_moves_with_the_arrow_keys(
    shop: Shop, open_browser: Callable[[str, str], Page], language: str, device: str
) -> None:
    order, (preview_width, preview_height) = painted_order("starry")
    page = open_browser(language, device)
    page.goto(f"{shop.url}/{language}/orders/{order.token}/")

    with translation.override(language):
        slider = page.get_by_label(gettext(SLIDER_LABEL))
    expect(slider).to_be_visible()
    page.wait_for_function("() => document.getElementById('photo-image').naturalWidth > 0")
    frame = page.locator("#comparison-frame")
    box = frame.bounding_box()
    assert box is not None
    viewport = DEVICES[device]["viewport"]
    if device == "phone":
        assert box["width"] == viewport["width"]  # edge to edge
    else:
        # Up to the preview's own size, a 1 rem margin each side, and short enough to fit the window
        # with the slider below (8 rem): wider than the 920 px column of text.
        fits = min(preview_width, viewport["width"] - 32, (viewport["height"] - 128) * preview_width / preview_height)
        assert abs(box["width"] - fits) < 1.5
        assert box["width"] > 920 - 32
    photo = page.locator("#photo-image").bounding_box()
    assert photo is not None
    assert (photo["width"], photo["height"]) == (box["width"], box["height"])  # the same frame

    slider.focus()
    assert slider.input_value() == "50"
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    assert slider.input_value() == "55"
    assert frame.evaluate("el => el.style.getPropertyValue('--reveal')") == "55%"
    assert "55" in (slider.get_attribute("aria-valuetext") or "")
    page.keyboard.press("Home")
    assert frame.evaluate("el => el.style.getPropertyValue('--reveal')") == "0%"
    page.keyboard.press("ArrowLeft")  # already at the painting's edge
    assert slider.input_value() == "0"
    page.keyboard.press("End")
    assert frame.evaluate("el => el.style.getPropertyValue('--reveal')") == "100%"
    for _ in range(30):
        page.keyboard.press("ArrowLeft")
    Screenshots(f"{language}-{device}-comparison").take(page, "order")
    assert_accessible(page)

    # Full screen: the figure itself, and the button says how to leave it.
    button = page.locator("#fullscreen-button")
    expect(button).to_be_visible()
    expect(page.locator("#fullscreen-link")).to_be_hidden()
    button.click()
    page.wait_for_function("() => document.fullscreenElement && document.fullscreenElement.id === 'comparison'")
    with translation.override(language):
        expect(button).to_have_text(gettext("Leave full screen"))
    button.click()
    page.wait_for_function("() => document.fullscreenElement === null")
