"""Calibration: the style weight at which a painting carries as much of its painting as the styles
that look right do.

At the same weights, paintings pull on a photo with very different strength: the style loss between a
photo and a swirling, high-contrast painting is many times that between the photo and a smooth, muted
one, so the muted painting's optimisation barely leaves the photo and the customer gets the photo with
a tint. Calibration paints the reference photos (a face, an animal, a scene: painter.references) at a
trial size with the style weight multiplied along a ladder, measures each painting
(painter.score.stylisation), and picks the multiplier at which the mean over the photos of how far
the painting moved from the photo (``content_change``) falls in :data:`TARGET_BAND`, the band that the
styles which already look right reach at the same trial (bench/calibration.py measured it, and checks
it on paintings and photos it was not chosen on). The share of the style distance closed is kept
beside it: at the trial it barely tells a muted painting from a swirling one (both close most of
their own, smaller or larger, distance), while how far the painting left the photo does.

The trial is the recipe's first pass, the one that lays down the style (later passes start from it
with the same weights), at :data:`TRIAL_SIZE` px for :data:`TRIAL_ITERATIONS` iterations whatever the
recipe's own schedule: the multiplier it finds then applies to every pass of the recipe. Few
iterations on purpose: like a full-size pass, the trial stops long before it converges, so a
painting's pull on the photo decides how far it gets, which is what calibration corrects.

The trial paints from the photo's own colours, whatever the recipe's ``painting_colors``: the band
was read, and the weights it gives were judged with the painting's colours on top, that way
(:func:`trial_recipe`). Where the recipe paints from the painting's colours, each trial painting is
painted a second time from them, and those are the images kept: what staff see on the ladder and
customers see as strength examples.

The ladder's rungs are a factor :data:`STEP` apart. The customer's strengths (:data:`STRENGTHS`) are
the chosen multiplier halved and doubled, painted too, so the ladder staff see also shows what
"lighter" and "stronger" paint.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PIL import Image

from .recipe import PostProcess, Recipe, Upscale, Watermark

__all__ = [
    "STEP",
    "STRENGTHS",
    "STRENGTH_STEP",
    "TARGET_BAND",
    "Calibration",
    "Rung",
    "calibrate",
    "same_rung",
    "trial_recipe",
    "with_strength",
    "with_style_multiplier",
]

#: Mean content change over the reference photos at the trial, around The Starry Night's at the
#: default weights (0.974), the one demo painting whose customer's paintings look like it there;
#: ±0.04, somewhat less than one rung moves a painting near it (x1 to x4: +0.055), so that a rung
#: lands in the band or the halfway rung does. The Scream (0.862) and Woman with a Hat (0.930) at x1
#: come back as the portrait with a tint; at x4 (0.938, 0.991) their strokes and colours show and
#: the face stays (bench/README.md, "Calibration").
TARGET_BAND = (0.934, 1.014)
TRIAL_SIZE = 128
TRIAL_ITERATIONS = 30
#: Between two rungs of the ladder.
STEP = 4.0
#: Between the customer's strengths: a factor of 4 (a rung) either side changes a painting plainly,
#: but at 4 times the calibrated weight the portrait's face dissolves into the strokes of the
#: strongest paintings (painter/tests/test_strength.py); twice it keeps its eyes and mouth.
STRENGTH_STEP = 2.0
STRENGTHS = {"lighter": 1.0 / STRENGTH_STEP, "as_shown": 1.0, "stronger": STRENGTH_STEP}
#: More rungs than this and the style's painting is not one a weight can fix: staff are told.
MAX_RUNGS = 7
#: Climbing stops at a rung that moved the trial's paintings less than this much further than the
#: rung below it, and that rung is not a candidate. The trial's few iterations reach a ceiling there,
#: while the customer's longer passes keep going: Seated Nude was in the band at x64 at the trial,
#: and at x64 the whole recipe painted the portrait's face out entirely (bench/README.md).
MIN_GAIN = 0.05
#: Past these, L-BFGS without a line search stalls or throws the image in the trial's few steps
#: (bench/calibration.py): the painting gets no stronger, only worse.
MULTIPLIER_RANGE = (1.0 / 256, 256.0)


@dataclass(frozen=True)
class PhotoMeasure:
    """One reference photo painted at one rung: the measure of painter.score.stylisation."""

    photo: str
    style_closed: float
    content_change: float
    colour_closed: float | None = None


@dataclass(frozen=True)
class Rung:
    """The trial painted with every pass's style weight multiplied by ``multiplier``."""

    multiplier: float
    style_weight: float  # the first pass's, after multiplying
    measures: tuple[PhotoMeasure, ...]
    seconds: float
    images: tuple[Image.Image, ...] = field(default=(), compare=False, repr=False)

    @property
    def value(self) -> float:
        """What calibration brings into the band: the mean content change."""
        return self.content_change

    @property
    def style_closed(self) -> float:
        return sum(m.style_closed for m in self.measures) / len(self.measures)

    @property
    def content_change(self) -> float:
        return sum(m.content_change for m in self.measures) / len(self.measures)

    @property
    def colour_closed(self) -> float | None:
        """The mean share of the distance to the painting's colours closed (shown, not searched)."""
        known = [m.colour_closed for m in self.measures if m.colour_closed is not None]
        return sum(known) / len(known) if known else None

    def to_dict(self) -> dict[str, object]:
        return {
            "multiplier": self.multiplier,
            "style_weight": self.style_weight,
            "style_closed": round(self.style_closed, 4),
            "content_change": round(self.content_change, 4),
            "colour_closed": _rounded(self.colour_closed),
            "seconds": round(self.seconds, 1),
            "photos": [
                {
                    "photo": m.photo,
                    "style_closed": round(m.style_closed, 4),
                    "content_change": round(m.content_change, 4),
                    "colour_closed": _rounded(m.colour_closed),
                }
                for m in self.measures
            ],
        }


@dataclass(frozen=True)
class Calibration:
    """The ladder (rungs in increasing multiplier), the rung chosen, and the recipe it gives."""

    band: tuple[float, float]
    rungs: tuple[Rung, ...]
    chosen: int
    recipe: Recipe
    seconds: float
    in_band: bool

    @property
    def multiplier(self) -> float:
        return self.rungs[self.chosen].multiplier

    def to_dict(self) -> dict[str, object]:
        return {
            "band": list(self.band),
            "trial": {"size": TRIAL_SIZE, "iterations": TRIAL_ITERATIONS, "step": STEP, "strength_step": STRENGTH_STEP},
            "multiplier": self.multiplier,
            "in_band": self.in_band,
            "chosen": self.chosen,
            "rungs": [rung.to_dict() for rung in self.rungs],
            "seconds": round(self.seconds, 1),
            "recipe": self.recipe.to_dict(),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def with_style_multiplier(recipe: Recipe, multiplier: float) -> Recipe:
    """``recipe`` with every pass's style weight multiplied (the balance between style and photo)."""
    return dataclasses.replace(
        recipe,
        passes=tuple(dataclasses.replace(p, style_weight=p.style_weight * multiplier) for p in recipe.passes),
    )


def with_strength(recipe: Recipe, strength: str) -> Recipe:
    """The recipe a customer's strength paints: the calibrated style weights times its factor."""
    if strength not in STRENGTHS:
        raise ValueError(f"unknown strength {strength!r}: use one of {', '.join(STRENGTHS)}")
    return with_style_multiplier(recipe, STRENGTHS[strength])


def trial_recipe(recipe: Recipe, multiplier: float = 1.0) -> Recipe:
    """The calibration's trial: the recipe's first pass at the trial's size and iterations, its style
    weight multiplied, with nothing after it (no colour finishing, watermark or upscale), painted
    from the photo's own colours whatever the recipe's ``painting_colors``.

    The band and the weights it gives were measured from the photo's colours, and the painting's
    colours were judged on top of those weights (bench/README.md, "The painting's colours"). Painted
    from the painting's colours, the trial's "moved" no longer counts the change of colour: every
    demo painting then lands at x1, where The Scream on a portrait is the photo in warmer colours."""
    first = recipe.passes[0]
    spec = dataclasses.replace(
        first, size=TRIAL_SIZE, iterations=TRIAL_ITERATIONS, style_weight=first.style_weight * multiplier
    )
    return dataclasses.replace(
        recipe,
        passes=(spec,),
        painting_colors=0.0,
        post=PostProcess(enabled=False),
        watermark=Watermark(enabled=False),
        upscale=Upscale(method="none"),
    )


def same_rung(a: float | None, b: float | None) -> bool:
    """Whether two multipliers name the same rung (stored as JSON, read back as floats)."""
    return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-9)


def _key(multiplier: float) -> float:
    return round(math.log(multiplier, STEP), 3)


RungCallback = Callable[[Rung], None]


def calibrate(
    styles: Sequence[Image.Image],
    photos: Sequence[tuple[str, Image.Image]],
    recipe: Recipe,
    *,
    band: tuple[float, float] = TARGET_BAND,
    device: str = "auto",
    on_rung: RungCallback | None = None,
    start: float = 1.0,
) -> Calibration:
    """Search the style-weight multiplier of ``recipe`` for ``band``, on the named ``photos``.

    Climbs (or descends) the ladder from ``start`` by :data:`STEP` until the band is reached or
    crossed; where it was crossed, tries the rung halfway (geometrically) between. The customer's
    lighter and stronger of the chosen rung are always painted. ``on_rung`` is called
    with each rung as it is painted (a worker's heartbeat, a progress line).
    """
    from .pipeline import render
    from .score import colour_closed, stylisation

    if not photos:
        raise ValueError("calibration needs at least one photo")
    began = time.perf_counter()
    low, high = band
    painted: dict[float, Rung] = {}

    def paint(multiplier: float) -> Rung:
        key = _key(multiplier)
        if key in painted:
            return painted[key]
        trial = trial_recipe(recipe, multiplier)
        # What staff see and customers get as strength examples: the same trial from the colours the
        # recipe paints from (painted twice where they are the painting's).
        shown = dataclasses.replace(trial, painting_colors=recipe.painting_colors)
        started = time.perf_counter()
        measures: list[PhotoMeasure] = []
        images: list[Image.Image] = []
        for name, photo in photos:
            result = render(photo, styles, trial, device=device)
            (measure,) = stylisation(result.hd, photo, styles, trial, device=device)
            image = result.hd if shown == trial else render(photo, styles, shown, device=device).hd
            colour = colour_closed(image, photo, styles, shown)
            measures.append(PhotoMeasure(name, measure.style_closed or 0.0, measure.content_change or 0.0, colour))
            images.append(image)
        rung = Rung(
            multiplier=multiplier,
            style_weight=trial.passes[0].style_weight,
            measures=tuple(measures),
            seconds=time.perf_counter() - started,
            images=tuple(images),
        )
        painted[key] = rung
        if on_rung is not None:
            on_rung(rung)
        return rung

    ceiling = _search(paint, start, band)
    candidates = [rung for rung in painted.values() if ceiling is None or rung.multiplier < ceiling]
    chosen = _closest(candidates, band)
    # The customer's lighter and stronger, shown to staff beside the chosen rung.
    for factor in (STRENGTHS["lighter"], STRENGTHS["stronger"]):
        if _allowed(chosen.multiplier * factor):
            paint(chosen.multiplier * factor)
    rungs = tuple(sorted(painted.values(), key=lambda r: r.multiplier))
    return Calibration(
        band=band,
        rungs=rungs,
        chosen=rungs.index(chosen),
        recipe=with_style_multiplier(recipe, chosen.multiplier),
        seconds=time.perf_counter() - began,
        in_band=low <= chosen.value <= high,
    )


def _allowed(multiplier: float) -> bool:
    return MULTIPLIER_RANGE[0] <= multiplier <= MULTIPLIER_RANGE[1]


def _search(paint: Callable[[float], Rung], start: float, band: tuple[float, float]) -> float | None:
    """Climb (or descend) the ladder from ``start`` until a rung is in the band or the band is crossed;
    when crossed, paint the rung halfway (geometrically) between the two either side of it. Returns
    the multiplier of the ceiling when climbing reached one (:data:`MIN_GAIN`)."""
    low, high = band
    rung = paint(start)
    direction = 1 if rung.value < low else -1 if rung.value > high else 0
    for _ in range(MAX_RUNGS - 3):  # two rungs stay for the strengths of the chosen one
        if not direction or not _allowed(rung.multiplier * STEP**direction):
            return None
        previous, rung = rung, paint(rung.multiplier * STEP**direction)
        if direction > 0 and rung.value - previous.value < MIN_GAIN:
            return rung.multiplier
        if low <= rung.value <= high:
            return None
        if (rung.value > high) if direction > 0 else (rung.value < low):
            paint(math.sqrt(previous.multiplier * rung.multiplier))
            return None
    return None


def _closest(rungs: list[Rung], band: tuple[float, float]) -> Rung:
    """The rung in the band nearest its middle; with none in it, the one nearest the band."""
    low, high = band
    middle = (low + high) / 2

    def distance(rung: Rung) -> tuple[float, float]:
        value = rung.value
        outside = max(low - value, value - high, 0.0)
        return (outside, abs(value - middle))

    return min(rungs, key=distance)
