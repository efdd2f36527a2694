""" "Lighter / as shown / stronger": offered with calibrated styles that allow it, shown by example,
stored in the order's recipe as the calibrated style weights times a factor."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from conftest import jpeg_bytes, stored_files
from orders.images import photo_clean
from orders.models import Order
from orders.services import order_create
from painter.calibrate import STRENGTHS
from styles.recipes import recipe_preset_dict

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse

    from styles.models import Style


pytestmark = pytest.mark.django_db


def _post(client: Client, style: Style, strength: str | None, language: str = "en") -> _MonkeyPatchedWSGIResponse:
    photo = io.BytesIO(jpeg_bytes((96, 72)))
    photo.name = "photo.jpg"
    data: dict[str, object] = {"photo": photo, "style": style.pk, "email": "ana@example.com"}
    if strength is not None:
        data["strength"] = strength
    return client.post(f"/{language}/", data)


@pytest.fixture
def calibrated(style: Style) -> Style:
    style.recipe = recipe_preset_dict("tiny")
    style.strength_examples = {
        name: default_storage.save(f"styles/strength/{name}.jpg", ContentFile(jpeg_bytes((32, 32))))
        for name in STRENGTHS
    }
    style.save()
    return style


@pytest.mark.parametrize("strength", ["lighter", "as_shown", "stronger"])
def test_the_order_s_recipe_multiplies_the_style_weights(client: Client, calibrated: Style, strength: str) -> None:
    assert _post(client, calibrated, strength).status_code == 303
    order = Order.objects.get()
    assert order.strength == strength
    painted = [spec["style_weight"] for spec in order.current_job.recipe["passes"]]
    calibrated_weights = [spec["style_weight"] for spec in calibrated.recipe["passes"]]
    assert painted == [w * STRENGTHS[strength] for w in calibrated_weights]
    calibrated.refresh_from_db()
    assert [spec["style_weight"] for spec in calibrated.recipe["passes"]] == calibrated_weights  # style unchanged


def test_an_old_page_without_the_field_orders_as_shown(client: Client, calibrated: Style) -> None:
    assert _post(client, calibrated, None).status_code == 303
    order = Order.objects.get()
    assert order.strength == Order.Strength.AS_SHOWN
    assert order.current_job.recipe == calibrated.recipe


@pytest.mark.parametrize(("language", "message"), [("en", "does not offer"), ("es", "no ofrece")])
def test_a_style_that_does_not_offer_it_refuses_it_and_stores_nothing(
    client: Client, calibrated: Style, media: Path, language: str, message: str
) -> None:
    calibrated.allow_strength = False
    calibrated.save()
    before = stored_files(media)
    response = _post(client, calibrated, "stronger", language)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Order.objects.exists()
    assert stored_files(media) == before


def test_an_uncalibrated_style_refuses_it_in_the_service_too(style: Style) -> None:
    style.recipe = recipe_preset_dict("tiny")
    style.save()
    photo = photo_clean(io.BytesIO(jpeg_bytes((96, 72))), size=1000, max_bytes=10**7, max_pixels=10**8)
    with pytest.raises(ValidationError):
        order_create(email="ana@example.com", style=style, photo=photo, language="en", strength="lighter")
    assert not Order.objects.exists()


def test_a_made_up_strength_is_refused(client: Client, calibrated: Style) -> None:
    response = _post(client, calibrated, "tenfold")
    assert response.status_code == 200
    assert not Order.objects.exists()


def test_the_upload_page_shows_each_strength_by_example_only_where_offered(client: Client, calibrated: Style) -> None:
    page = client.get("/en/").content.decode()
    assert 'id="strength-field"' in page
    assert f"/styles/{calibrated.slug}/strength-lighter.jpg" in page
    assert f"/styles/{calibrated.slug}/strength-stronger.jpg" in page
    assert "Lighter" in page
    assert "Stronger" in page
    assert client.get(f"/styles/{calibrated.slug}/strength-lighter.jpg").status_code == 200
    calibrated.allow_strength = False
    calibrated.save()
    page = client.get("/en/").content.decode()
    assert 'id="strength-field"' not in page
    spanish = client.get("/es/").content.decode()
    assert "strength-lighter" not in spanish
