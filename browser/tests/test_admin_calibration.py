"""The admin's calibration page of a calibrated style, as staff read it on a desktop: a column per rung
with its style weight and mean measure, the measure under each painting, the chosen rung marked; no
serious axe-core violation. Its screenshot goes to var/screenshots/admin-calibration.png."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image, ImageOps
from playwright.sync_api import expect

from browser.tests.axe import assert_no_serious_violations
from browser.tests.conftest import Shop
from browser.tests.shop import SCREENSHOTS
from conftest import shared_path

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_mock import MockerFixture

    from styles.models import SamplePhoto, Style


pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHOTOS = ("tubingen.jpg", "golden_gate.jpg", "hoovertowernight.jpg")
# As painter.calibrate paints it: up the ladder to x16, with x16's lighter (x8) and stronger (x32).
LADDER = [(1.0, 0.70), (4.0, 0.80), (8.0, 0.84), (16.0, 0.88), (32.0, 0.91), (64.0, 0.95)]
CHOSEN = 16.0


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _painting(photo: Image.Image, style: Image.Image, multiplier: float) -> bytes:
    """The photo with more of the painting the higher the rung: what a ladder looks like."""
    share = min(0.85, 0.12 * (1 + math.log2(multiplier)))
    return _jpeg(Image.blend(photo, ImageOps.fit(style, photo.size), share))


def calibrate(style: Style, samples: list[SamplePhoto]) -> None:
    """Play the render worker's part through the services it calls (styles/tests/test_calibration.py)."""
    from painter.calibrate import TARGET_BAND
    from styles.calibration import style_calibration_finish, style_calibration_rung_store, style_calibration_start
    from styles.services import style_trial_claim

    trial = style_calibration_start(style=style, actor="setup")
    assert style_trial_claim(trial_id=trial.pk, worker="w1") is not None
    with Image.open(style.image.path) as opened:
        painting = opened.convert("RGB")
    photos = []
    for sample in samples:
        with Image.open(sample.image.path) as opened:
            photos.append(ImageOps.fit(opened.convert("RGB"), (128, 96)))
    rungs: list[dict[str, Any]] = []
    for multiplier, moved in LADDER:
        paintings = [
            {
                "sample_id": sample.pk,
                "jpeg": _painting(photo, painting, multiplier),
                "width": 128,
                "height": 96,
                "measure": {
                    "content_change": moved + 0.01 * (i - 1),
                    "style_closed": 0.9 + 0.01 * i,
                    "colour_closed": 0.4 + 0.1 * i,
                },
            }
            for i, (sample, photo) in enumerate(zip(samples, photos, strict=True))
        ]
        assert style_calibration_rung_store(
            trial_id=trial.pk, worker="w1", multiplier=multiplier, paintings=paintings, seconds=15.0
        )
        rungs.append(
            {
                "multiplier": multiplier,
                "style_weight": 1e4 * multiplier,
                "content_change": moved,
                "style_closed": 0.91,
                "colour_closed": 0.5,
                "seconds": 12.0,
                "photos": [],
            }
        )
    ladder = {"band": list(TARGET_BAND), "multiplier": CHOSEN, "in_band": True, "rungs": rungs, "seconds": 90.0}
    assert style_calibration_finish(trial_id=trial.pk, worker="w1", ladder=ladder)


def test_staff_read_the_calibration_ladder(
    shop: Shop, open_browser: Callable[[str, str], Page], mocker: MockerFixture
) -> None:
    from django.contrib.auth import get_user_model

    from styles.models import Style
    from styles.recipes import recipe_preset_dict
    from styles.services import sample_photo_add

    mocker.patch("styles.services._enqueue_trial")
    mocker.patch("styles.calibration.task_send")
    samples = [
        sample_photo_add(image_bytes=shared_path("images", "content", name).read_bytes(), title=name, position=i)
        for i, name in enumerate(PHOTOS)
    ]
    style = Style.objects.get(slug="starry")
    style.recipe = recipe_preset_dict("cpu")
    style.save(update_fields=["recipe"])
    calibrate(style, samples)

    staff = get_user_model().objects.create_superuser("curator", "curator@example.com", "not-used")
    client = Client()
    client.force_login(staff)
    page = open_browser("en", "desktop")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": shop.url}])
    page.goto(f"{shop.url}/admin/styles/style/{style.pk}/calibration/")
    page.wait_for_load_state("networkidle")

    table = page.locator("#calibration table.ladder")
    headers = table.locator("thead th")
    expect(headers).to_have_count(1 + len(LADDER))
    for index, (multiplier, _moved) in enumerate(LADDER, start=1):
        expect(headers.nth(index)).to_contain_text(f"x{multiplier:g}")
    expect(table.locator("thead th.chosen")).to_contain_text("x16")
    expect(table.locator("thead th.chosen")).to_contain_text("chosen")
    expect(table.locator("tbody tr")).to_have_count(len(PHOTOS))
    expect(table.locator("tbody td img")).to_have_count(len(PHOTOS) * (1 + len(LADDER)))
    page.wait_for_function("() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)")
    # The measure sits under its painting, inside the same column.
    cell = table.locator("tbody tr").first.locator("td").nth(4)  # x16, the chosen rung
    image, measure = cell.locator("img").bounding_box(), cell.locator(".meta").bounding_box()
    assert image is not None
    assert measure is not None
    assert measure["y"] >= image["y"] + image["height"]
    # Read as written: "x16", not the admin's upper-case headers ("X16").
    assert "x16" in headers.nth(4).inner_text()
    # The chosen rung's whole column stands out, not only its header.
    chosen_background = table.locator("thead th.chosen").evaluate("(th) => getComputedStyle(th).backgroundColor")
    for row in table.locator("tbody tr").all():
        shade = row.locator("td").nth(4).evaluate("(td) => getComputedStyle(td).backgroundColor")
        assert shade == chosen_background
        assert row.locator("td").nth(3).evaluate("(td) => getComputedStyle(td).backgroundColor") != shade
    # Each measure (moved, closed, colour) on a line of its own: never "closed" at the end of a line
    # and its number on the next.
    measures = table.locator("tbody .measure")
    expect(measures).to_have_count(len(PHOTOS) * len(LADDER) * 3)
    assert measures.evaluate_all("(all) => all.filter((m) => m.getClientRects().length !== 1).length") == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-calibration.png", full_page=True)
    assert_no_serious_violations(page)
