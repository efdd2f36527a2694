"""Calibrating a style: the ladder kept with its measures, the chosen rung adopted into the recipe, the
lighter and stronger examples published, the example painted again, and staff choosing another rung."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from conftest import jpeg_bytes
from painter.calibrate import STEP, STRENGTH_STEP, TARGET_BAND
from styles.calibration import (
    style_calibration_finish,
    style_calibration_rung_store,
    style_calibration_start,
)
from styles.models import SamplePhoto, Style, StyleTrial
from styles.recipes import recipe_preset_dict
from styles.services import sample_photo_add, style_trial_claim

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
    from pytest_mock import MockerFixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(mocker: MockerFixture) -> Any:
    mocker.patch("styles.services._enqueue_trial")
    return mocker.patch("styles.calibration.task_send")


@pytest.fixture
def samples(media: Path) -> list[SamplePhoto]:
    return [
        sample_photo_add(image_bytes=jpeg_bytes((96, 72), colour), title=title, position=i)
        for i, (title, colour) in enumerate(
            [("portrait", (220, 180, 150)), ("cat", (120, 100, 80)), ("launch", (40, 60, 120))]
        )
    ]


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _rung(multiplier: float, moved: float) -> dict[str, Any]:
    return {
        "multiplier": multiplier,
        "style_weight": 100 * multiplier,
        "content_change": moved,
        "style_closed": 0.95,
        "colour_closed": 0.42,
        "seconds": 12.0,
        "photos": [],
    }


def _run_worker(
    trial: StyleTrial, samples: list[SamplePhoto], ladder: list[tuple[float, float]], chosen: float
) -> None:
    """Play the render worker's part through the services it calls (rendering.services._calibrate)."""
    assert style_trial_claim(trial_id=trial.pk, worker="w1") is not None
    for multiplier, moved in ladder:
        shade = 30 + 35 * round(math.log2(multiplier))
        paintings = [
            {
                "sample_id": sample.pk,
                "jpeg": _jpeg((shade, 40, 200 - i * 50)),
                "width": 64,
                "height": 48,
                "measure": {"content_change": moved, "style_closed": 0.95, "colour_closed": 0.37},
            }
            for i, sample in enumerate(samples)
        ]
        assert style_calibration_rung_store(
            trial_id=trial.pk, worker="w1", multiplier=multiplier, paintings=paintings, seconds=15.0
        )
    rungs = [_rung(m, moved) for m, moved in ladder]
    result = {"band": list(TARGET_BAND), "multiplier": chosen, "in_band": True, "rungs": rungs, "seconds": 60.0}
    assert style_calibration_finish(trial_id=trial.pk, worker="w1", ladder=result)


def _calibrated(
    style: Style, samples: list[SamplePhoto], capture: DjangoCaptureOnCommitCallbacks
) -> tuple[Style, StyleTrial]:
    style.recipe = recipe_preset_dict("cpu")
    style.save()
    with capture(execute=True):
        trial = style_calibration_start(style=style, actor="setup")
    # As painter.calibrate paints it: up the ladder to x16, with x16's lighter (x8) and stronger (x32).
    half, double = STEP**2 / STRENGTH_STEP, STEP**2 * STRENGTH_STEP
    ladder = [(1.0, 0.70), (STEP, 0.80), (half, 0.90), (STEP**2, 0.95), (double, 0.99), (STEP**3, 1.05)]
    with capture(execute=True):
        _run_worker(trial, samples, ladder, chosen=STEP**2)
    style.refresh_from_db()
    trial.refresh_from_db()
    return style, trial


def test_a_calibration_adopts_its_chosen_rung_and_publishes_the_strengths(
    style: Style, samples: list[SamplePhoto], sent: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    style, trial = _calibrated(style, samples, django_capture_on_commit_callbacks)
    assert sent.call_count == 1
    assert trial.status == StyleTrial.Status.DONE
    cpu = recipe_preset_dict("cpu")
    # The recipe records the calibrated numbers: every pass's style weight times the chosen rung.
    assert [p["style_weight"] for p in style.recipe["passes"]] == [p["style_weight"] * STEP**2 for p in cpu["passes"]]
    assert style.calibration["multiplier"] == STEP**2
    assert style.calibration["before"]["content_change"] == 0.70
    assert style.calibration["after"]["content_change"] == 0.95
    assert style.calibration["in_band"] is True
    # Lighter and stronger are the portrait's rungs at half and twice the chosen one, served publicly.
    assert style.offers_strength
    shades = {}
    for strength in ("lighter", "as_shown", "stronger"):
        response = client.get(f"/styles/{style.slug}/strength-{strength}.jpg")
        assert response.status_code == 200
        with Image.open(io.BytesIO(response.getvalue())) as shown:
            shades[strength] = shown.convert("RGB").getpixel((32, 24))[0]  # type: ignore[index]
    assert shades["lighter"] < shades["as_shown"] < shades["stronger"]
    assert client.get(f"/styles/{style.slug}/strength-..%2Fsecret.jpg").status_code == 404
    # The card's example is painted again from the portrait with the calibrated recipe, at the preview's size.
    example = StyleTrial.objects.get(adopt_as_example=True)
    assert example.recipe == style.recipe
    assert example.max_size == 640
    assert [i.sample for i in example.images.all()] == [samples[0]]


def test_staff_see_the_ladder_and_can_choose_another_rung(
    style: Style,
    samples: list[SamplePhoto],
    sent: Any,
    staff_client: Callable[..., Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    style, trial = _calibrated(style, samples, django_capture_on_commit_callbacks)
    curator = staff_client("styles.view_style", "styles.change_style")
    page = curator.get(f"/admin/styles/style/{style.pk}/calibration/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="chosen"') == 1  # the chosen rung's column
    for label in ("x1", "x4", "x8", "x16", "x32", "x64"):
        assert f">\n    {label}<" in html or f">{label}<" in html or f"{label}<div" in html
    assert "moved 95%" in html
    assert "moved 70%" in html
    assert "colour 42%" in html  # a rung's mean
    assert html.count("colour 37%") == 6 * 3  # under each painting
    assert html.count("admin/styles/style/test-render-images/") == 6 * 3
    old_examples = dict(style.strength_examples)
    response = curator.post(
        f"/admin/styles/style/{style.pk}/calibration/{trial.pk}/adopt/", {"multiplier": repr(STEP**3)}
    )
    assert response.status_code == 302
    style.refresh_from_db()
    assert style.calibration["multiplier"] == STEP**3
    assert style.recipe["passes"][0]["style_weight"] == recipe_preset_dict("cpu")["passes"][0]["style_weight"] * STEP**3
    # x128 was never painted: no "stronger" example for x64, so the strengths are not offered.
    assert not style.offers_strength
    assert old_examples
    assert style.strength_examples == {}
    # A rung that is not on the ladder is refused.
    curator.post(f"/admin/styles/style/{style.pk}/calibration/{trial.pk}/adopt/", {"multiplier": "3"})
    style.refresh_from_db()
    assert style.calibration["multiplier"] == STEP**3


def test_a_viewer_cannot_adopt_a_rung(
    style: Style,
    samples: list[SamplePhoto],
    sent: Any,
    staff_client: Callable[..., Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    style, trial = _calibrated(style, samples, django_capture_on_commit_callbacks)
    viewer = staff_client("styles.view_style")
    response = viewer.post(f"/admin/styles/style/{style.pk}/calibration/{trial.pk}/adopt/", {"multiplier": "1.0"})
    assert response.status_code == 403
    assert viewer.post(f"/admin/styles/style/{style.pk}/calibration/").status_code == 403
    style.refresh_from_db()
    assert style.calibration["multiplier"] == STEP**2


def test_a_lost_calibration_keeps_nothing(style: Style, samples: list[SamplePhoto], sent: Any) -> None:
    style.recipe = recipe_preset_dict("cpu")
    style.save()
    trial = style_calibration_start(style=style, actor="setup")
    assert style_trial_claim(trial_id=trial.pk, worker="w1") is not None
    StyleTrial.objects.filter(pk=trial.pk).update(status=StyleTrial.Status.FAILED)  # the reaper's doing
    paintings = [{"sample_id": samples[0].pk, "jpeg": _jpeg((1, 2, 3)), "width": 64, "height": 48, "measure": {}}]
    assert not style_calibration_rung_store(
        trial_id=trial.pk, worker="w1", multiplier=1.0, paintings=paintings, seconds=1.0
    )
    assert not style_calibration_finish(trial_id=trial.pk, worker="w1", ladder={"multiplier": 1.0, "rungs": []})
    style.refresh_from_db()
    assert style.calibration == {}
    assert not trial.images.exists()


def test_a_new_style_from_the_admin_is_calibrated(
    db: None, media: Path, samples: list[SamplePhoto], sent: Any, admin_client: Client
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 150, 40)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "muted.jpg"
    response = admin_client.post(
        "/admin/styles/style/add/",
        {
            "upload": buffer,
            "slug": "muted",
            "name_en": "Muted",
            "name_es": "Apagado",
            "position": 0,
            "preset": "cpu",
            "recipe": "",
            "allow_strength": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    style = Style.objects.get(slug="muted")
    assert StyleTrial.objects.filter(style=style, kind=StyleTrial.Kind.CALIBRATION).count() == 1
