"""Painting from the painting's colours (a recipe's ``painting_colors``) and the colour measure."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from painter import PostProcess, Recipe, RecipeError, Upscale, recipe_preset, render
from painter.colours import colour_distance, towards_painting_colours
from painter.score import stylisation


def _stats(image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    pixels = np.asarray(image.convert("RGB"), dtype=np.float64).reshape(-1, 3) / 255.0
    return pixels.mean(axis=0), np.cov(pixels, rowvar=False)


def test_the_photo_takes_the_paintings_mean_and_spread_of_colour(photo: Image.Image, painting: Image.Image) -> None:
    moved = towards_painting_colours(photo, [painting], 1.0)
    assert moved.size == photo.size
    (mean, cov), (target_mean, target_cov) = _stats(moved), _stats(painting)
    assert np.abs(mean - target_mean).max() < 0.02
    assert np.abs(cov - target_cov).max() < 0.15 * np.abs(target_cov).max()
    assert colour_distance(moved, [painting]) < 0.2 * colour_distance(photo, [painting])
    # The map that moves colours least: the photo's picture is all there (light stays light).
    before = np.asarray(photo.convert("L"), dtype=np.float64).ravel()
    after = np.asarray(moved.convert("L"), dtype=np.float64).ravel()
    assert np.corrcoef(before, after)[0, 1] > 0.9


def test_none_of_the_paintings_colours_leaves_the_photo_as_it_is(photo: Image.Image, painting: Image.Image) -> None:
    assert towards_painting_colours(photo, [painting], 0.0) is photo
    half = colour_distance(towards_painting_colours(photo, [painting], 0.5), [painting])
    assert colour_distance(towards_painting_colours(photo, [painting], 1.0), [painting]) < half
    assert half < colour_distance(photo, [painting])


def test_two_paintings_blend_their_colours_as_their_styles(
    photo: Image.Image, painting: Image.Image, second_painting: Image.Image
) -> None:
    to_first = towards_painting_colours(photo, [painting, second_painting], 1.0, blend=[1.0, 0.0])
    assert colour_distance(to_first, [painting]) < 0.2 * colour_distance(photo, [painting])
    both = towards_painting_colours(photo, [painting, second_painting], 1.0)
    assert colour_distance(both, [painting, second_painting]) < colour_distance(photo, [painting, second_painting])


def test_the_recipe_records_how_far_and_an_old_recipe_paints_from_the_photos_colours() -> None:
    old = recipe_preset("cpu").to_dict()
    del old["painting_colors"]
    assert Recipe.from_dict(old).painting_colors == 0.0
    recipe = Recipe.from_dict({**old, "painting_colors": 1})
    assert recipe.painting_colors == 1.0
    assert Recipe.from_json(recipe.to_json()) == recipe
    with pytest.raises(RecipeError, match="painting_colors: must be a number at least 0 and at most 1"):
        Recipe.from_dict({**old, "painting_colors": 1.5})
    keeps = {**old, "passes": [dict(p, original_colors=True) for p in old["passes"]]}
    with pytest.raises(RecipeError, match="painting_colors: must be 0 when a pass keeps the photo's colours"):
        Recipe.from_dict({**keeps, "painting_colors": 1})


def _tiny(amount: float) -> Recipe:
    tiny = recipe_preset("tiny")
    return replace(tiny, post=PostProcess(enabled=False), upscale=Upscale(method="none"), painting_colors=amount)


def test_a_render_paints_from_the_paintings_colours_and_the_measure_sees_it(
    photo: Image.Image, second_painting: Image.Image
) -> None:
    own = render(photo, [second_painting], _tiny(0.0), device="cpu").hd
    theirs = render(photo, [second_painting], _tiny(1.0), device="cpu").hd
    assert colour_distance(theirs, [second_painting]) < 0.5 * colour_distance(own, [second_painting])
    own_measure = stylisation(own, photo, [second_painting], _tiny(0.0), device="cpu")[-1]
    their_measure = stylisation(theirs, photo, [second_painting], _tiny(1.0), device="cpu")[-1]
    assert own_measure.colour_closed is not None
    assert their_measure.colour_closed is not None
    assert their_measure.colour_closed > own_measure.colour_closed + 0.3
    # The photo's colours are 0, the painting's own are 1, whatever the recipe.
    assert stylisation(photo, photo, [second_painting], _tiny(0.0), device="cpu")[0].colour_closed == pytest.approx(0.0)
    resized = second_painting.resize(photo.size)
    itself = stylisation(resized, photo, [second_painting], _tiny(0.0), device="cpu")[0].colour_closed
    assert itself is not None
    assert itself > 0.9


def test_a_tall_photo_is_recoloured_alike_in_every_band_of_rows(photo: Image.Image, painting: Image.Image) -> None:
    """The photo is recoloured a band of rows at a time: a photo stacked on itself, its halves
    crossing the bands at different rows, comes back as two identical halves."""
    half = photo.resize((40, 300))
    tall = Image.new("RGB", (40, 600))
    tall.paste(half, (0, 0))
    tall.paste(half, (0, 300))
    moved = np.asarray(towards_painting_colours(tall, [painting], 1.0))
    assert np.array_equal(moved[:300], moved[300:])
    assert not np.array_equal(moved[:300], np.asarray(half))
