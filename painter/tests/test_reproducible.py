"""A painting is a function of its job: re-rendered from the stored recipe under other engine variables,
a job gets the same recipe and the same image: bit for bit under the variables that do not touch the
arithmetic (and under those that once chose the optimiser and the precision, read no more), within
rounding under those that change the order of a convolution's sums."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from PIL import Image

from painter import PassSpec, Recipe, RenderResult, Upscale, render
from painter.speed.cpu_convs import nnpack_workspace_limit

# What a job stores (RenderJob.recipe): JSON, read back with Recipe.from_dict. L-BFGS as recipes paint.
JOB = Recipe(
    passes=(
        PassSpec(size=48, iterations=8, tv_weight=1e-4, seed=0, lbfgs_kind="compact", lbfgs_guard=2.0),
        PassSpec(
            size=64,
            iterations=5,
            init="previous",
            lbfgs_history=10,
            seed=0,
            keep_in_range=True,
            lbfgs_kind="compact",
            lbfgs_guard=2.0,
        ),
    ),
    upscale=Upscale(method="none"),
)
SAME_ARITHMETIC = {"PICMATIX_STYLE_TARGET_CACHE_MB": "0", "PICMATIX_CUDA_GRAPHS": "0"}
# What chose the optimiser and the arithmetic before the recipe recorded them.
FORMERLY_PIXELS = {
    "PICMATIX_LBFGS": "torch",
    "PICMATIX_LBFGS_GUARD": "off",
    "PICMATIX_EXACT_START": "0",
    "PICMATIX_TF32": "0",
    "PICMATIX_BF16": "all",
    # The host's default weights for new styles (offline here, torchvision's would not even load).
    "PICMATIX_VGG_WEIGHTS": "torchvision",
}
# Another path (or bands of rows) sums a convolution in another order: float32 rounding.
OTHER_SUMS = {"PICMATIX_CONV_PATH": "onednn", "PICMATIX_NNPACK_WORKSPACE_MB": "0.05"}


@pytest.fixture(autouse=True)
def _workspace_read_again() -> Iterator[None]:
    nnpack_workspace_limit.cache_clear()
    yield
    nnpack_workspace_limit.cache_clear()


def _paint(stored: str, photo: Image.Image, painting: Image.Image) -> tuple[dict[str, Any], RenderResult]:
    recipe = Recipe.from_dict(json.loads(stored))
    return recipe.to_dict(), render(photo, [painting], recipe, device="cpu")


def _rerender(
    monkeypatch: pytest.MonkeyPatch, job: Recipe, variables: dict[str, str], photo: Image.Image, painting: Image.Image
) -> tuple[tuple[dict[str, Any], RenderResult], tuple[dict[str, Any], RenderResult]]:
    stored = job.to_json()
    first = _paint(stored, photo, painting)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    nnpack_workspace_limit.cache_clear()
    return first, _paint(stored, photo, painting)


def _levels(a: Image.Image, b: Image.Image) -> np.ndarray:
    return np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16))


def test_a_job_re_rendered_under_changed_variables_gets_the_same_recipe_and_the_same_image(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image
) -> None:
    (recipe, result), (again_recipe, again) = _rerender(
        monkeypatch, JOB, {**SAME_ARITHMETIC, **FORMERLY_PIXELS}, photo, painting
    )
    assert again_recipe == recipe
    assert again.hd.tobytes() == result.hd.tobytes()


def test_the_old_optimiser_variable_s_change_is_one_this_test_would_see(
    photo: Image.Image, painting: Image.Image
) -> None:
    """PICMATIX_LBFGS=torch used to paint this job with torch's L-BFGS: a different image."""
    _, compact = _paint(JOB.to_json(), photo, painting)
    two_loop = replace(JOB, passes=tuple(replace(p, lbfgs_kind="torch", lbfgs_guard=None) for p in JOB.passes))
    _, torchs = _paint(two_loop.to_json(), photo, painting)
    assert torchs.hd.tobytes() != compact.hd.tobytes()


def test_a_job_re_rendered_with_other_convolution_sums_differs_by_rounding(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image
) -> None:
    """Adam: its steps are bounded by its learning rate, so a change of rounding stays one. (L-BFGS
    without a line search amplifies it: a pass's first step is so small that its first curvature pair
    is mostly rounding, and at these sizes two paths' paintings of the same L-BFGS job part ways.)"""
    adam = replace(JOB, passes=tuple(replace(p, optimizer="adam") for p in JOB.passes))
    (recipe, result), (again_recipe, again) = _rerender(monkeypatch, adam, OTHER_SUMS, photo, painting)
    assert again_recipe == recipe
    loss, loss_again = result.stats["passes"][-1]["loss"], again.stats["passes"][-1]["loss"]
    # Adam steps every pixel by about its learning rate whatever its gradient's size, so where a gradient
    # is near 0 a rounding can flip a step: the loss moves by a fraction of a percent, not more.
    assert loss_again == pytest.approx(loss, rel=1e-2)
    # And a pixel whose step flipped is a step (the learning rate, 10 levels) off: on average well below
    # half a step, where a painting of another recipe is tens of levels away.
    assert _levels(again.hd, result.hd).mean() < 0.5 * adam.passes[-1].learning_rate
