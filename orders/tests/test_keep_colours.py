"""'Keep my photo's colours': offered where staff allow it, shown by example, painted by the engine."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from conftest import jpeg_bytes, stored_files
from orders.models import Order
from painter.colours import keep_photo_colours
from styles.models import StyleTrial, StyleTrialImage
from styles.recipes import recipe_preset_dict
from styles.services import sample_photo_add, style_example_adopt, style_trial_start

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db


def _post(client: Client, style: Style, *, keep: bool, language: str = "en") -> _MonkeyPatchedWSGIResponse:
    photo = io.BytesIO(jpeg_bytes((96, 72)))
    photo.name = "photo.jpg"
    data = {"photo": photo, "style": style.pk, "email": "ana@example.com"}
    if keep:
        data["keep_colours"] = "on"
    return client.post(f"/{language}/", data)


@pytest.fixture
def colour_style(style: Style) -> Style:
    style.recipe = recipe_preset_dict("tiny")
    style.allow_original_colours = True
    style.save()
    return style


def test_an_order_that_keeps_its_colours_is_painted_with_original_colours(client: Client, colour_style: Style) -> None:
    assert _post(client, colour_style, keep=True).status_code == 303
    order = Order.objects.get()
    assert order.keep_colours
    job = order.current_job
    assert all(spec["original_colors"] for spec in job.recipe["passes"])
    assert colour_style.recipe["passes"][0].get("original_colors") is not True  # the style is unchanged


def test_keeping_its_colours_an_order_is_not_painted_from_the_paintings_colours(
    client: Client, colour_style: Style
) -> None:
    colour_style.recipe = {**colour_style.recipe, "painting_colors": 1.0}
    colour_style.save()
    assert _post(client, colour_style, keep=True).status_code == 303
    recipe = Order.objects.get().current_job.recipe
    assert recipe["painting_colors"] == 0.0
    assert all(spec["original_colors"] for spec in recipe["passes"])


def test_without_the_option_the_style_s_own_colours_are_used(client: Client, colour_style: Style) -> None:
    assert _post(client, colour_style, keep=False).status_code == 303
    job = Order.objects.get().current_job
    assert not any(spec.get("original_colors") for spec in job.recipe["passes"])


@pytest.mark.parametrize(("language", "message"), [("en", "does not offer"), ("es", "no ofrece")])
def test_a_style_that_does_not_offer_it_refuses_it_and_stores_nothing(
    client: Client, style: Style, media: Path, language: str, message: str
) -> None:
    style.recipe = recipe_preset_dict("tiny")
    style.save()
    before = stored_files(media)
    response = _post(client, style, keep=True, language=language)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Order.objects.exists()
    assert stored_files(media) == before


def test_the_upload_page_offers_it_only_with_styles_that_allow_it(client: Client, colour_style: Style) -> None:
    page = client.get("/en/").content.decode()
    assert 'id="keep-colours-field"' in page
    assert "data-own-colours" in page
    colour_style.allow_original_colours = False
    colour_style.save()
    page = client.get("/en/").content.decode()
    assert 'id="keep-colours-field"' not in page


def test_the_example_with_the_photo_s_colours_is_made_when_the_example_is_adopted(
    colour_style: Style, client: Client, mocker: MockerFixture
) -> None:
    mocker.patch("styles.services._enqueue_trial")
    sample = sample_photo_add(image_bytes=jpeg_bytes((96, 72), (40, 200, 40)), title="Mountain lake")
    trial = style_trial_start(
        style=colour_style, recipe=colour_style.recipe, max_size=64, actor="setup", samples=[sample]
    )
    name = default_storage.save("trials/t.jpg", ContentFile(jpeg_bytes((96, 72), (200, 30, 200))))
    StyleTrialImage.objects.filter(trial=trial).update(image=name, width=96, height=72)
    StyleTrial.objects.filter(pk=trial.pk).update(status=StyleTrial.Status.DONE)
    style_example_adopt(image=trial.images.select_related("trial__style", "sample").get())
    colour_style.refresh_from_db()
    assert colour_style.example
    assert colour_style.example_own_colours
    response = client.get(f"/styles/{colour_style.slug}/example-own-colours.jpg")
    with Image.open(io.BytesIO(response.getvalue())) as shown:
        r, g, b = np.asarray(shown.convert("RGB"), dtype=float)[30:40, 2:6].reshape(-1, 3).mean(axis=0)
    assert g > r
    assert g > b
    assert f"/styles/{colour_style.slug}/example-own-colours.jpg" in client.get("/en/").content.decode()


def test_keeping_colours_keeps_the_painting_s_light_and_the_photo_s_hue() -> None:
    painting = Image.linear_gradient("L").resize((64, 48)).convert("RGB")  # grey, dark to light
    photo = Image.new("RGB", (32, 24), (30, 120, 220))  # a blue photo, another size
    kept = np.asarray(keep_photo_colours(painting, photo), dtype=float)
    luma = kept @ np.array([0.299, 0.587, 0.114])
    original = np.asarray(painting, dtype=float) @ np.array([0.299, 0.587, 0.114])
    middle = slice(16, 32)
    assert np.abs(luma[middle] - original[middle]).mean() < 2.0
    assert (kept[middle, :, 2] > kept[middle, :, 0]).all()  # blue over red where the light allows
