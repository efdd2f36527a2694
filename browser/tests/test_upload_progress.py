"""Choosing a photo shows it at once; sending it shows a progress bar with the button disabled, then
the order page. A photo over the limit is refused before it is sent, in the customer's language."""

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
from browser.tests.conftest import Shop
from browser.tests.shop import Screenshots

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture


pytestmark = [pytest.mark.browser, pytest.mark.slow]

UPLOAD_BYTES_PER_SECOND = 250_000  # a slow phone connection, so that the progress can be watched


def noisy_jpeg(path: Path, size: tuple[int, int]) -> Path:
    """A photo that JPEG cannot shrink much: its size in bytes follows its pixels."""
    pixels = np.random.default_rng(7).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def test_the_upload_shows_the_photo_then_its_progress_with_the_button_disabled(
    shop: Shop, open_browser: Callable[[str, str], Page], settings: Settings, mocker: MockerFixture, tmp_path: Path
) -> None:
    from orders.models import Order

    mocker.patch("orders.enqueue.render_job_enqueue")  # no painting here: this test is about the upload
    settings.UPLOAD_MAX_BYTES = 1_000_000
    too_big = noisy_jpeg(tmp_path / "too-big.jpg", (1400, 1100))
    photo = noisy_jpeg(tmp_path / "beach.jpg", (1000, 750))
    assert too_big.stat().st_size > settings.UPLOAD_MAX_BYTES > photo.stat().st_size > 500_000
    page = open_browser("es", "phone")
    page.goto(f"{shop.url}/es/")
    expect(page.locator("#upload-progress")).to_be_hidden()
    expect(page.locator("#photo-chosen")).to_be_hidden()
    page.locator("label.style-card").first.tap()
    page.locator("#id_email").fill("ana@example.com")

    # A HEIC photo that this browser cannot draw: its name says what was chosen.
    heic = {"name": "IMG_0042.HEIC", "mimeType": "image/heic", "buffer": b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64}
    page.set_input_files("#id_photo", files=[heic])
    expect(page.locator("#photo-name")).to_contain_text("IMG_0042.HEIC")
    page.wait_for_function("() => document.getElementById('photo-thumbnail').complete")  # tried, and failed
    expect(page.locator("#photo-thumbnail")).to_be_hidden()

    # Over the limit: said at once, in Spanish, and nothing is sent.
    page.set_input_files("#id_photo", too_big)
    with translation.override("es"):
        expected = gettext("This file is %(size)s MB; the limit is %(limit)s MB.") % {
            "size": f"{too_big.stat().st_size / 1e6:.1f}",
            "limit": "1",
        }
    expect(page.locator("#upload-error")).to_have_text(expected)
    page.locator("button[type=submit].primary").tap()
    expect(page.locator("#upload-error")).to_be_visible()
    assert Order.objects.count() == 0

    # A photo within the limit: its thumbnail and name, then the progress while it travels.
    page.set_input_files("#id_photo", photo)
    expect(page.locator("#upload-error")).to_be_hidden()
    expect(page.locator("#photo-name")).to_contain_text("beach.jpg")
    page.wait_for_function("() => document.getElementById('photo-thumbnail').naturalWidth === 1000")
    expect(page.locator("#photo-thumbnail")).to_be_visible()
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": UPLOAD_BYTES_PER_SECOND},
    )
    button = page.locator("button[type=submit].primary")
    button.tap()
    expect(page.locator("#upload-progress")).to_be_visible()
    expect(button).to_be_disabled()
    page.wait_for_function(
        "() => { const v = document.getElementById('upload-progress-bar').value; return v > 5 && v < 95; }"
    )
    expect(button).to_be_disabled()
    Screenshots("es-phone-upload").take(page, "progress")
    assert_accessible(page)
    page.wait_for_url(f"{shop.url}/es/orders/*/", timeout=30_000)
    order = Order.objects.get()
    assert page.url == f"{shop.url}/es/orders/{order.token}/"
    assert order.email == "ana@example.com"
    assert order.content_image
