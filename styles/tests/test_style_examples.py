"""Styles shown by example: real paintings loaded at setup, and the same photo painted in each style."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from conftest import jpeg_bytes, shared_path
from styles.models import SamplePhoto, Style, StyleTrial, StyleTrialImage
from styles.recipes import recipe_preset_dict
from styles.services import sample_photo_add, style_trial_claim, style_trial_finish, style_trial_start

if TYPE_CHECKING:
    from unittest.mock import MagicMock

    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings
    from pytest_mock import MockerFixture


pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(mocker: MockerFixture) -> MagicMock:
    return mocker.patch("styles.services._enqueue_trial")


def _setup(**options: Any) -> str:
    out = io.StringIO()
    call_command("picmatix_setup", stdout=out, **options)
    return out.getvalue()


def test_setup_loads_only_the_public_domain_paintings_of_a_folder(
    media: Path,
    queued: MagicMock,
    mocker: MockerFixture,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    sent = mocker.patch("styles.calibration.task_send")
    folder = shared_path("images", "styles")
    settings.DEFAULT_STYLE_RECIPE = "cpu"
    with django_capture_on_commit_callbacks(execute=True):
        _setup(paintings=str(folder))
    styles = {s.slug: s for s in Style.objects.all()}
    assert set(styles) == {"starry-night", "the-scream", "woman-with-a-hat"}  # no Picasso: still protected
    assert styles["the-scream"].name_es == "El grito"
    assert styles["the-scream"].active
    assert styles["starry-night"].recipe == recipe_preset_dict("cpu")
    # Each one is calibrated on the reference photographs (real photos: a face, an animal, a scene);
    # its example follows the calibration (styles/tests/test_calibration.py).
    trials = StyleTrial.objects.filter(kind=StyleTrial.Kind.CALIBRATION)
    assert trials.count() == 3
    assert sent.call_count == 3
    titles = list(SamplePhoto.objects.values_list("title", flat=True))
    assert titles == ["Eileen Collins, astronaut", "Chelsea the cat", "Falcon 9 launch"]
    assert {tuple(t.ladder["samples"]) for t in trials} == {tuple(SamplePhoto.objects.values_list("pk", flat=True))}
    # Run again: nothing new (the calibrations are still pending).
    _setup(paintings=str(folder))
    assert Style.objects.count() == 3
    assert StyleTrial.objects.count() == 3


def test_without_a_folder_setup_draws_its_own_styles(media: Path, queued: MagicMock) -> None:
    _setup(paintings="")  # `make` sets PICMATIX_STYLE_PAINTINGS_DIR, the option's default
    assert Style.objects.count() == 3
    assert not Style.objects.filter(slug__in=["starry-night", "the-scream"]).exists()


def test_a_folder_may_bring_its_own_manifest_and_cannot_point_outside_itself(
    media: Path, queued: MagicMock, tmp_path: Path
) -> None:
    folder = tmp_path / "paintings"
    folder.mkdir()
    Image.new("RGB", (80, 60), (200, 90, 30)).save(folder / "sunset.jpg")
    (tmp_path / "secret.jpg").write_bytes(jpeg_bytes((80, 60), (0, 0, 0)))
    entries = [
        {"file": "sunset.jpg", "slug": "sunset", "name_en": "Sunset", "name_es": "Atardecer", "recipe": "tiny"},
        {"file": "../secret.jpg", "slug": "secret", "name_en": "Secret", "name_es": "Secreto"},
    ]
    (folder / "styles.json").write_text(json.dumps({"paintings": entries}))
    _setup(paintings=str(folder), no_examples=True)
    assert list(Style.objects.values_list("slug", flat=True)) == ["sunset"]
    assert Style.objects.get().recipe == recipe_preset_dict("tiny")
    assert not StyleTrial.objects.exists()


def _paint(trial: StyleTrial, colour: tuple[int, int, int]) -> None:
    """Play the worker's part through the same services the render worker calls."""
    assert style_trial_claim(trial_id=trial.pk, worker="w1") is not None
    for item in trial.images.all():
        name = default_storage.save("trials/t.jpg", ContentFile(jpeg_bytes((96, 72), colour)))
        StyleTrialImage.objects.filter(pk=item.pk).update(image=name, width=96, height=72)
    assert style_trial_finish(trial_id=trial.pk, worker="w1")


def test_the_setup_s_test_render_becomes_the_example_on_the_style_card(
    style: Style, queued: MagicMock, client: Client
) -> None:
    sample = sample_photo_add(image_bytes=jpeg_bytes((96, 72), (90, 140, 200)), title="Mountain lake")
    recipe = recipe_preset_dict("tiny")
    trial = style_trial_start(
        style=style, recipe=recipe, max_size=64, actor="setup", samples=[sample], adopt_as_example=True
    )
    _paint(trial, (220, 30, 30))
    style.refresh_from_db()
    assert style.example
    assert style.example_sample == sample
    response = client.get(f"/styles/{style.slug}/example.jpg")
    assert response.status_code == 200
    with Image.open(io.BytesIO(response.getvalue())) as shown:
        pixel = shown.convert("RGB").getpixel((5, 36))  # between the test image's blue stripes
    assert isinstance(pixel, tuple)
    red, green, _blue = pixel
    assert red > 180
    assert green < 80
    page = client.get("/en/").content.decode()
    assert f"/styles/{style.slug}/example.jpg" in page
    assert f"/styles/{style.slug}/thumbnail.jpg" in page


def test_an_ordinary_test_render_does_not_change_the_example(style: Style, queued: MagicMock) -> None:
    sample = sample_photo_add(image_bytes=jpeg_bytes((96, 72), (90, 140, 200)), title="Flowers")
    trial = style_trial_start(style=style, recipe=recipe_preset_dict("tiny"), max_size=64, actor="staff:a")
    _paint(trial, (20, 200, 20))
    style.refresh_from_db()
    assert not style.example
    assert sample.pk  # the sample stays a sample


def test_staff_adopt_another_painting_as_the_example(style: Style, queued: MagicMock, admin_client: Client) -> None:
    sample = sample_photo_add(image_bytes=jpeg_bytes((96, 72), (90, 140, 200)), title="Flowers")
    trial = style_trial_start(style=style, recipe=recipe_preset_dict("tiny"), max_size=64, actor="staff:a")
    _paint(trial, (20, 200, 20))
    item = trial.images.get()
    url = f"/admin/styles/style/test-render-images/{item.pk}/example/"
    assert admin_client.get(url).status_code == 405  # a GET changes nothing
    response = admin_client.post(url)
    assert response.status_code == 302
    style.refresh_from_db()
    assert style.example
    assert style.example_sample == sample
    page = admin_client.get(f"/admin/styles/style/{style.pk}/test-renders/?a={trial.pk}").content.decode()
    assert "Use as the example again" in page


def test_the_example_of_an_unpublished_style_is_not_public(style: Style, queued: MagicMock, client: Client) -> None:
    sample = sample_photo_add(image_bytes=jpeg_bytes((96, 72), (90, 140, 200)), title="Mountain lake")
    trial = style_trial_start(
        style=style,
        recipe=recipe_preset_dict("tiny"),
        max_size=64,
        actor="setup",
        samples=[sample],
        adopt_as_example=True,
    )
    _paint(trial, (220, 30, 30))
    Style.objects.filter(pk=style.pk).update(active=False)
    assert client.get(f"/styles/{style.slug}/example.jpg").status_code == 404
