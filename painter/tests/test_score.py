"""score_image and ``python -m painter score``: a recipe's own objective on any image, equal to the losses
a render reports for the image it made."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from painter import PostProcess, Recipe, Upscale, pipeline, recipe_preset, render
from painter.__main__ import main
from painter.images import tensor_to_pil
from painter.score import score_image
from painter.transfer import PassOutcome

TERMS = (("content", "content_loss"), ("style", "style_loss"), ("tv", "tv_loss"), ("total", "loss"))


def tiny_seed() -> Recipe:
    """The seed's two passes (L-BFGS, its weights, layers and histories) at 32 and 48 px, a few iterations,
    with nothing after the passes: the HD file is pass 2's image."""
    seed = recipe_preset("seed")
    first, second = seed.passes
    return replace(
        seed,
        passes=(replace(first, size=32, iterations=5), replace(second, size=48, iterations=4)),
        post=PostProcess(enabled=False),
        upscale=Upscale(method="none"),
    )


def _relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def test_scoring_each_passs_own_image_gives_the_losses_the_render_reports(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image
) -> None:
    outcomes: list[PassOutcome] = []
    real_run_pass = pipeline.run_pass

    def keep(*args: Any, **kwargs: Any) -> PassOutcome:
        outcome = real_run_pass(*args, **kwargs)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(pipeline, "run_pass", keep)
    recipe = tiny_seed()
    stats = render(photo, [painting], recipe, device="cpu").stats["passes"]
    assert len(outcomes) == len(stats) == 2
    for index, (outcome, reported) in enumerate(zip(outcomes, stats, strict=True)):
        scores = score_image(outcome.image, photo, [painting], recipe, device="cpu")
        assert [s.pass_index for s in scores] == [0, 1]
        mine = scores[index]
        assert list(mine.size) == reported["size"]
        for term, key in TERMS:
            assert reported[key] > 0
            assert _relative(getattr(mine, term), reported[key]) < 1e-5, (index, term, mine, reported)


def test_the_written_painting_scores_as_its_last_pass_up_to_8_bit_rounding(
    photo: Image.Image, painting: Image.Image
) -> None:
    recipe = tiny_seed()
    result = render(photo, [painting], recipe, device="cpu")
    reported = result.stats["passes"][1]
    last = score_image(result.hd, photo, [painting], recipe, device="cpu")[1]
    # Rounding to 8 bits moves every pixel by up to half a level; the objective by well under 1%.
    assert _relative(last.total, reported["loss"]) < 5e-3
    assert _relative(last.style, reported["style_loss"]) < 5e-3


@pytest.mark.parametrize("keep_in_range", [False, True])
def test_the_image_at_evaluation_k_plus_1_is_what_a_last_pass_of_k_iterations_returns(
    photo: Image.Image, painting: Image.Image, keep_in_range: bool
) -> None:
    """bench/schedule_bench.py --checkpoints scores every shorter last pass from one run on this. With 3
    iterations it also needs every iteration to be a step: torch's default evaluation cap stopped the
    pass after 2."""
    recipe = tiny_seed()
    first, second = (replace(p, keep_in_range=keep_in_range) for p in recipe.passes)
    recipe = replace(recipe, passes=(first, second))
    seen: dict[int, Image.Image] = {}

    def keep(progress: pipeline.Progress) -> None:
        if progress.pass_index == 1 and progress.image is not None:
            seen[progress.iteration] = progress.image

    render(
        photo,
        [painting],
        replace(recipe, passes=(first, replace(second, iterations=6))),
        device="cpu",
        progress=keep,
        save_every=1,
    )
    shorter = render(photo, [painting], replace(recipe, passes=(first, replace(second, iterations=3))), device="cpu")
    assert shorter.hd.tobytes() == seen[4].tobytes()
    assert shorter.hd.tobytes() != seen[3].tobytes()


def test_the_painting_scores_lower_than_a_flat_grey_image(photo: Image.Image, painting: Image.Image) -> None:
    recipe = tiny_seed()
    result = render(photo, [painting], recipe, device="cpu")
    grey = tensor_to_pil(torch.full((1, 3, 36, 48), 0.5))
    painted = score_image(result.hd, photo, [painting], recipe, device="cpu")
    flat = score_image(grey, photo, [painting], recipe, device="cpu")
    assert all(p.total < f.total for p, f in zip(painted, flat, strict=True))
    assert flat[0].tv == flat[1].tv == 0.0  # a flat image has no variation at any size


def test_the_score_command_prints_a_table_and_a_json_line(
    photo: Image.Image, painting: Image.Image, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tiny_seed()
    files = {"out.png": render(photo, [painting], recipe, device="cpu").hd, "photo.png": photo, "style.png": painting}
    for name, image in files.items():
        image.save(tmp_path / name)
    (tmp_path / "recipe.json").write_text(recipe.to_json())
    args = [str(tmp_path / n) for n in files] + ["--recipe", str(tmp_path / "recipe.json"), "--device", "cpu"]

    assert main(["score", *args]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["pass", "size", "content", "style", "tv", "total", "closed", "moved", "colour"]
    assert [line.split()[:2] for line in table[1:]] == [["1", "32x24"], ["2", "48x36"]]

    assert main(["score", *args, "--json"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1
    data = json.loads(printed[0])
    expected = score_image(files["out.png"], photo, [painting], recipe, device="cpu")
    assert [{k: p[k] for k in s.to_dict()} for p, s in zip(data["passes"], expected, strict=True)] == [
        s.to_dict() for s in expected
    ]
    assert all(p["content_change"] > 0 and p["style_closed"] is not None for p in data["passes"])
    # The colours are the whole image's, not a pass's: one measure, the same under every pass.
    assert len({p["colour_closed"] for p in data["passes"]}) == 1


def test_the_score_command_reports_an_unreadable_image_in_one_line(
    photo: Image.Image, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo.save(tmp_path / "photo.png")
    (tmp_path / "out.png").write_bytes(b"not a png")
    code = main(["score", str(tmp_path / "out.png"), str(tmp_path / "photo.png"), str(tmp_path / "photo.png")])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot read")
    assert "out.png" in lines[0]
