"""Calibration (painter.calibrate), its measure (painter.score.stylisation), the reference photos and the
faces check: the search, the numbers it records and the command line, fast; real renders of the
reference photos in test_strength.py."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps

from painter import recipe_preset
from painter.__main__ import main
from painter.calibrate import (
    MULTIPLIER_RANGE,
    STEP,
    STRENGTH_STEP,
    STRENGTHS,
    TARGET_BAND,
    TRIAL_ITERATIONS,
    TRIAL_SIZE,
    calibrate,
    trial_recipe,
    with_strength,
)
from painter.faces import check_landmarks
from painter.references import REFERENCES, reference_photos
from painter.score import stylisation
from painter.tests.test_score import tiny_seed


class FakeEngine:
    """render and stylisation stood in for: a painting "moves" by ``response(multiplier)``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, response: Any) -> None:
        self.response = response
        self.painted: list[float] = []
        self.colours: list[float] = []  # each render's painting_colors
        import painter.pipeline
        import painter.score

        monkeypatch.setattr(painter.pipeline, "render", self.render)
        monkeypatch.setattr(painter.score, "stylisation", self.measure)

    def render(self, photo: Image.Image, styles: Any, recipe: Any, **options: Any) -> Any:
        multiplier = recipe.passes[0].style_weight / 100.0
        self.painted.append(multiplier)
        self.colours.append(recipe.painting_colors)
        blue = 200 if recipe.painting_colors else 0
        return type("Result", (), {"hd": Image.new("RGB", (8, 8), (int(multiplier) % 256, 0, blue))})()

    def measure(self, image: Image.Image, photo: Image.Image, styles: Any, recipe: Any, **options: Any) -> Any:
        multiplier = recipe.passes[0].style_weight / 100.0
        moved = self.response(multiplier)
        return [type("M", (), {"style_closed": 0.9, "content_change": moved, "colour_closed": 0.5})()]


PHOTOS = [("face", Image.new("RGB", (8, 8))), ("cat", Image.new("RGB", (8, 8)))]
MIDDLE = sum(TARGET_BAND) / 2


def _moved(at_one: float, per_rung: float = 0.06) -> Any:
    """Moves ``at_one`` at x1 and ``per_rung`` more for every rung up (as paintings do, roughly)."""
    return lambda m: at_one + per_rung * math.log(m, STEP)


def test_a_style_already_in_the_band_keeps_its_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = FakeEngine(monkeypatch, _moved(MIDDLE))
    result = calibrate([Image.new("RGB", (8, 8))], PHOTOS, recipe_preset("cpu"))
    assert result.multiplier == 1.0
    assert result.in_band
    assert result.recipe == recipe_preset("cpu")
    # Its lighter and stronger are painted too: staff see what the customer would get.
    assert [r.multiplier for r in result.rungs] == [1 / STRENGTH_STEP, 1.0, STRENGTH_STEP]
    assert sorted(set(engine.painted)) == [1 / STRENGTH_STEP, 1.0, STRENGTH_STEP]
    assert len(engine.painted) == 3 * len(PHOTOS)  # each rung once, on every photo


def test_the_weight_is_searched_from_the_photos_colours_and_shown_in_the_paintings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The band was measured from the photo's colours: the measured trial paints from them; what
    staff see and customers get as strength examples is painted from the recipe's colours."""
    engine = FakeEngine(monkeypatch, _moved(MIDDLE))
    recipe = dataclasses.replace(recipe_preset("cpu"), painting_colors=1.0)
    result = calibrate([Image.new("RGB", (8, 8), (0, 0, 255))], PHOTOS, recipe)
    assert result.multiplier == 1.0
    assert result.recipe.painting_colors == 1.0
    assert engine.colours.count(0.0) == engine.colours.count(1.0) == 3 * len(PHOTOS)
    assert all(image.tobytes()[2] == 200 for rung in result.rungs for image in rung.images)
    # The painting is blue, and so are the images kept: their colour measure is theirs, not the trial's.
    assert all(m.colour_closed is not None and m.colour_closed > 0.5 for r in result.rungs for m in r.measures)


def test_a_weak_painting_climbs_the_ladder_and_the_recipe_records_the_weight(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeEngine(monkeypatch, _moved(TARGET_BAND[0] - 0.15))  # in the band from x64 on
    result = calibrate([Image.new("RGB", (8, 8))], PHOTOS, recipe_preset("cpu"))
    assert result.multiplier == STEP**3
    assert result.in_band
    cpu = recipe_preset("cpu")
    assert [p.style_weight for p in result.recipe.passes] == [p.style_weight * STEP**3 for p in cpu.passes]
    data: Any = result.to_dict()
    assert data["chosen"] == [r["multiplier"] for r in data["rungs"]].index(STEP**3)
    assert data["trial"] == {
        "size": TRIAL_SIZE,
        "iterations": TRIAL_ITERATIONS,
        "step": STEP,
        "strength_step": STRENGTH_STEP,
    }
    assert [r["multiplier"] for r in data["rungs"]] == [1, STEP, STEP**2, STEP**3 / 2, STEP**3, STEP**3 * 2]
    assert data["rungs"][0]["photos"][0]["photo"] == "face"


def test_climbing_stops_where_the_trial_reaches_its_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    # Seated Nude's trial (bench/README.md): x64 barely moved further than x16, and painted the face out.
    moved = {1.0: 0.674, STEP: 0.791, STEP**2: 0.843, STEP**3: 0.856}
    FakeEngine(monkeypatch, lambda m: moved.get(m, 0.84))
    result = calibrate([Image.new("RGB", (8, 8))], PHOTOS, recipe_preset("cpu"))
    assert result.multiplier == STEP**2
    assert not result.in_band  # 0.843: staff are told, and can pick another rung
    assert STEP**3 in [r.multiplier for r in result.rungs]  # painted, shown, not chosen


def test_a_strong_painting_descends(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeEngine(monkeypatch, _moved(TARGET_BAND[1] + 0.10))
    result = calibrate([Image.new("RGB", (8, 8))], PHOTOS, recipe_preset("cpu"))
    assert result.multiplier == 1 / STEP**2
    assert result.in_band


def test_a_band_crossed_between_two_rungs_tries_halfway(monkeypatch: pytest.MonkeyPatch) -> None:
    # x1 under the band, x4 over it, x2 in it.
    FakeEngine(monkeypatch, _moved(TARGET_BAND[0] - 0.02, per_rung=TARGET_BAND[1] - TARGET_BAND[0] + 0.04))
    result = calibrate([Image.new("RGB", (8, 8))], PHOTOS, recipe_preset("cpu"))
    assert result.multiplier == pytest.approx(math.sqrt(STEP))
    assert result.in_band


def test_a_painting_no_weight_can_fix_is_reported_outside_the_band(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = FakeEngine(monkeypatch, lambda m: 0.3)
    result = calibrate([Image.new("RGB", (8, 8))], PHOTOS, recipe_preset("cpu"))
    assert not result.in_band
    assert max(engine.painted) <= MULTIPLIER_RANGE[1]
    assert len(result.rungs) <= 7


def test_strengths_multiply_every_pass_s_style_weight() -> None:
    cpu = recipe_preset("cpu")
    for name, factor in STRENGTHS.items():
        assert [p.style_weight for p in with_strength(cpu, name).passes] == [
            p.style_weight * factor for p in cpu.passes
        ]
    assert STRENGTHS["lighter"] < STRENGTHS["as_shown"] == 1 < STRENGTHS["stronger"]
    with pytest.raises(ValueError, match="unknown strength"):
        with_strength(cpu, "tenfold")


def test_the_trial_is_the_first_pass_at_the_trial_size_and_nothing_after() -> None:
    trial = trial_recipe(recipe_preset("seed"), 4.0)
    (spec,) = trial.passes
    assert (spec.size, spec.iterations, spec.style_weight) == (TRIAL_SIZE, TRIAL_ITERATIONS, 400.0)
    assert not trial.post.enabled
    assert not trial.watermark.enabled
    assert trial.upscale.method == "none"


def test_the_measure_is_zero_for_the_photo_and_grows_with_the_painting(
    photo: Image.Image, painting: Image.Image
) -> None:
    recipe = tiny_seed()
    (first, _) = stylisation(photo, photo, [painting], recipe, device="cpu")
    assert first.style_closed == pytest.approx(0.0, abs=1e-4)
    assert first.content_change == pytest.approx(0.0, abs=1e-4)
    blend = Image.blend(photo, painting.resize(photo.size), 0.5)
    (half, _) = stylisation(blend, photo, [painting], recipe, device="cpu")
    (whole, _) = stylisation(painting.resize(photo.size), photo, [painting], recipe, device="cpu")
    assert half.content_change is not None
    assert whole.content_change is not None
    assert 0 < half.content_change < whole.content_change
    assert half.style_closed is not None
    assert half.style_closed > 0


def test_score_prints_the_measure(
    tmp_path: Path, photo: Image.Image, painting: Image.Image, capsys: pytest.CaptureFixture[str]
) -> None:
    photo.save(tmp_path / "photo.png")
    painting.save(tmp_path / "painting.png")
    recipe = tmp_path / "recipe.json"
    recipe.write_text(tiny_seed().to_json())
    args = [str(tmp_path / "painting.png"), str(tmp_path / "photo.png"), str(tmp_path / "painting.png")]
    assert main(["score", *args, "--recipe", str(recipe), "--device", "cpu", "--json"]) == 0
    passes = json.loads(capsys.readouterr().out)["passes"]
    assert all(p["content_change"] > 0 and p["style_closed"] > 0.5 for p in passes)
    assert main(["score", *args, "--recipe", str(recipe), "--device", "cpu"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.split()[-3:] == ["closed", "moved", "colour"]


def test_calibrate_prints_a_recipe_that_render_takes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, painting: Image.Image, capsys: pytest.CaptureFixture[str]
) -> None:
    FakeEngine(monkeypatch, _moved(TARGET_BAND[0] - 0.07))
    painting.save(tmp_path / "painting.png")
    Image.new("RGB", (40, 30), (90, 60, 30)).save(tmp_path / "photo.png")
    assert main(["calibrate", str(tmp_path / "painting.png"), "--photos", str(tmp_path / "photo.png"), "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["calibration"]["multiplier"] == STEP**2
    assert [r["multiplier"] for r in data["calibration"]["rungs"]] == [1, STEP, STEP**2 / 2, STEP**2, STEP**2 * 2]
    assert {r["photos"][0]["photo"] for r in data["calibration"]["rungs"]} == {"photo"}
    assert "x16" in err
    assert "moved" in err
    (tmp_path / "calibrated.json").write_text(out)
    from painter.__main__ import _recipe

    assert _recipe(str(tmp_path / "calibrated.json")).passes[0].style_weight == 100 * STEP**2
    # Without --json: the recipe itself.
    assert main(["calibrate", str(tmp_path / "painting.png"), "--photos", str(tmp_path / "photo.png")]) == 0
    assert json.loads(capsys.readouterr().out)["passes"][0]["style_weight"] == 100 * STEP**2


def test_the_reference_photos_come_from_scikit_image() -> None:
    found = reference_photos()
    assert [ref.role for ref, _ in found] == ["face", "animal", "scene"]
    for ref, path in found:
        with Image.open(path) as image:
            assert min(image.size) >= 256, ref.key
    assert all(ref.licence for ref in REFERENCES)


def test_the_faces_check_finds_the_eyes_and_mouth_where_they_are_and_only_there() -> None:
    ((portrait, path),) = reference_photos(("astronaut",))
    with Image.open(path) as opened:
        photo = opened.convert("RGB")
    assert all(c.kept for c in check_landmarks(photo.resize((320, 320)), photo, portrait.landmarks))
    # Upside down, the eyes and mouth are elsewhere; blurred, there are none.
    assert not any(c.kept for c in check_landmarks(ImageOps.flip(photo), photo, portrait.landmarks))
    from PIL import ImageFilter

    blurred = photo.filter(ImageFilter.GaussianBlur(12))
    assert not all(c.kept for c in check_landmarks(blurred, photo, portrait.landmarks))
