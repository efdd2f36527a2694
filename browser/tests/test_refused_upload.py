"""A file that is not a photo is refused in the customer's language, next to the photo field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from browser.tests.accessibility import assert_accessible
from browser.tests.conftest import Shop
from browser.tests.shop import Screenshots

if TYPE_CHECKING:
    from playwright.sync_api import Page


pytestmark = [pytest.mark.browser, pytest.mark.slow]

CASES = [("es", "phone"), ("es", "desktop"), ("en", "phone"), ("en", "desktop")]
NOT_AN_IMAGE = "This file is not an image we can read. Please upload a JPEG, PNG, WebP or HEIC photo."


@pytest.mark.parametrize(("language", "device"), CASES, ids=[f"{lang}-{device}" for lang, device in CASES])
def test_a_text_file_named_jpg_is_refused_next_to_the_photo_field(
    shop: Shop, open_browser: Callable[[str, str], Page], tmp_path: Path, language: str, device: str
) -> None:
    from orders.models import Order

    fake_photo = tmp_path / "holidays.jpg"
    fake_photo.write_text("Dear diary, today we went to the beach.\n")
    page = open_browser(language, device)
    page.goto(f"{shop.url}/{language}/")
    page.set_input_files("#id_photo", fake_photo)
    card = page.locator("label.style-card").first
    card.tap() if device == "phone" else card.click()
    page.locator("#id_email").fill("ana@example.com")
    submit = page.locator("button[type=submit].primary")
    submit.tap() if device == "phone" else submit.click()

    photo_field = page.locator(".field", has=page.locator("#id_photo"))
    errors = photo_field.locator("#photo-errors")
    with translation.override(language):
        expect(errors).to_have_text(gettext(NOT_AN_IMAGE))
    expect(errors).to_be_visible()
    # Screen readers hear the message with the field, and the customer keeps what they typed.
    expect(page.locator("#id_photo")).to_have_attribute("aria-invalid", "true")
    assert "id_photo_error" in (page.locator("#id_photo").get_attribute("aria-describedby") or "").split()
    expect(page.locator("#id_email")).to_have_value("ana@example.com")
    expect(page.locator("input[name=style]").first).to_be_checked()
    Screenshots(f"{language}-{device}-refused", docs=(language, device) == ("es", "phone")).take(page, "upload")
    assert_accessible(page)
    assert Order.objects.count() == 0
