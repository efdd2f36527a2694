"""A style card's images are as large as the card shows them, and no larger: the home page shows each
style's painting and example (and the small example with the photo's colours), and a phone must get
the page within 250 kB (browser/tests/test_customer_pages.py measures it)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from PIL import Image, ImageOps
from pytest_mock import MockerFixture

from conftest import shared_path
from styles.models import Style, StyleTrial, StyleTrialImage
from styles.recipes import recipe_preset_dict
from styles.services import sample_photo_add, style_example_adopt, style_set_image, style_trial_start

pytestmark = pytest.mark.django_db
# Two card images side by side: about 175 CSS px on a phone, 140 on a desktop; sharp on 2x screens.
CARD_SIDE = 360
OWN_COLOURS_SIDE = 160  # shown at 64 × 48 CSS px
# Per card image: three styles' cards (six images, three small ones) must leave room for the page.
MOST_BYTES = 40_000


def _stored(field: FieldFile) -> tuple[tuple[int, int], int]:
    with default_storage.open(field.name, "rb") as handle:
        data = handle.read()
    with Image.open(io.BytesIO(data)) as image:
        return image.size, len(data)


def _painting_bytes() -> bytes:
    """A real painting's texture, as hard to compress as a style's example gets."""
    with Image.open(shared_path("images", "styles", "starry_night.jpg")) as opened:
        painting = ImageOps.fit(opened.convert("RGB"), (1024, 768))
    buffer = io.BytesIO()
    painting.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def test_a_style_s_card_shows_its_painting_at_the_card_s_size(style: Style) -> None:
    style_set_image(style=style, image_bytes=shared_path("images", "styles", "starry_night.jpg").read_bytes())
    (width, height), size = _stored(style.thumbnail)
    assert max(width, height) == CARD_SIDE
    assert size <= MOST_BYTES


def test_the_example_and_its_own_colours_version_are_sized_as_the_card_shows_them(
    style: Style, mocker: MockerFixture
) -> None:
    mocker.patch("styles.services._enqueue_trial")
    style.recipe = recipe_preset_dict("tiny")
    style.allow_original_colours = True
    style.save()
    photo = shared_path("images", "content", "golden_gate.jpg").read_bytes()
    sample = sample_photo_add(image_bytes=photo, title="Golden Gate")
    trial = style_trial_start(style=style, recipe=style.recipe, max_size=64, actor="setup", samples=[sample])
    name = default_storage.save("trials/t.jpg", ContentFile(_painting_bytes()))
    StyleTrialImage.objects.filter(trial=trial).update(image=name, width=1024, height=768)
    StyleTrial.objects.filter(pk=trial.pk).update(status=StyleTrial.Status.DONE)

    style_example_adopt(image=trial.images.select_related("trial__style", "sample").get())

    style.refresh_from_db()
    (width, height), size = _stored(style.example)
    assert (width, height) == (CARD_SIDE, CARD_SIDE * 3 // 4)
    assert size <= MOST_BYTES
    (width, height), size = _stored(style.example_own_colours)
    assert (width, height) == (OWN_COLOURS_SIDE, OWN_COLOURS_SIDE * 3 // 4)
    assert size <= MOST_BYTES // 4
