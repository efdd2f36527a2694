"""A whole render: the recipe's passes, post-processing, the watermarked preview and the upscaled HD."""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from PIL import Image

from . import settings
from .colours import towards_painting_colours
from .errors import EngineError, ImageError, RecipeError, RenderCancelled
from .images import resize_longest, tensor_to_pil
from .losses import LossTerms
from .postprocess import post_process
from .recipe import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS, Recipe, Upscale
from .speed import backend_for
from .transfer import IterationCallback, PassOutcome, pass_sizes, run_pass
from .vgg import (
    SOURCES,
    ConvWeights,
    FeatureNet,
    WeightSource,
    conv_weights,
    default_source,
    last_layer,
    vgg19_features,
)
from .watermark import apply_watermark

__all__ = [
    "PREVIEW_SIDE",
    "Progress",
    "RenderResult",
    "clear_network_cache",
    "feature_network",
    "render",
    "resolve_device",
    "upscale_image",
    "warm_up",
]

#: The preview's longest side at most (web size).
PREVIEW_SIDE = 1024


@dataclass(frozen=True)
class Progress:
    """One loss evaluation of a render.

    ``pass_index`` counts from 0 (an index into ``recipe.passes``); ``iteration`` from 1 to
    ``iterations`` (evaluations done in this pass). ``eta_s`` covers the remaining passes (scaled by
    their pixels x iterations), not post-processing or the upscale. ``image`` is the current image
    every ``save_every`` iterations, else None.
    """

    pass_index: int
    pass_count: int
    iteration: int
    iterations: int
    loss: float
    content_loss: float
    style_loss: float
    tv_loss: float
    elapsed_s: float
    eta_s: float
    peak_memory_bytes: int
    image: Image.Image | None = None


@dataclass(frozen=True)
class RenderResult:
    """``hd``: post-processed and upscaled, no watermark. ``preview``: the post-processed image at web size
    (longest side at most 1024 px), watermarked. ``stats``: per-pass seconds, iterations, final losses,
    peak memory, and the whole render's timings."""

    hd: Image.Image
    preview: Image.Image
    stats: dict[str, Any] = field(default_factory=dict)


ProgressCallback = Callable[[Progress], "bool | None"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto`` -> CUDA when present, else the CPU; asking for CUDA without one is an EngineError."""
    if str(device) == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise EngineError(f"unknown device {device!r}; use auto, cpu or cuda") from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise EngineError("CUDA was asked for but no CUDA device is available; use --device cpu or auto")
        # cuDNN timing its algorithms per shape gained nothing on VGG-19 and took far more GPU memory.
        torch.backends.cudnn.benchmark = settings.cudnn_benchmark()
    elif resolved.type != "cpu":
        raise EngineError(f"unsupported device {device!r}; use auto, cpu or cuda")
    return resolved


def upscale_image(
    image: Image.Image,
    spec: Upscale,
    *,
    model_dir: str | os.PathLike[str] | None = None,
    device: torch.device | str = "cpu",
) -> Image.Image:
    """Enlarge as ``spec`` says. Lanczos only when asked: missing waifu2x models raise, never fall back."""
    if spec.method == "lanczos":
        image = image.resize((image.width * spec.scale, image.height * spec.scale), Image.Resampling.LANCZOS)
    elif spec.method == "waifu2x":
        from .waifu2x import upscale_2x  # written alongside; imported only when a recipe upscales with it

        for step in range(int(math.log2(spec.scale))):
            # Denoise once: a second pass would smear what the first one restored.
            image = upscale_2x(image, noise=spec.noise if step == 0 else None, model_dir=model_dir, device=device)
    if spec.long_side is not None and max(image.size) != spec.long_side:
        image = resize_longest(image, spec.long_side)
    return image


def _require_waifu2x_models(spec: Upscale, model_dir: str | os.PathLike[str] | None) -> None:
    """Fail before the passes, not after them, when the upscale's model files are missing."""
    from .waifu2x import model_files

    model_files(spec.noise, model_dir)
    if spec.scale > 2:
        model_files(None, model_dir)


def _rgb(image: object, what: str) -> Image.Image:
    if not isinstance(image, Image.Image):
        raise ImageError(f"{what} must be a PIL image (got {type(image).__name__}); use load_image()")
    if min(image.size) < 1:
        raise ImageError(f"{what} is empty ({image.width}x{image.height})")
    return image if image.mode == "RGB" else image.convert("RGB")


class _Clock:
    """Elapsed time and an ETA over passes weighted by pixels x iterations."""

    def __init__(self, recipe: Recipe, pixels: Sequence[int]) -> None:
        self.started = time.perf_counter()
        self.work = [p * spec.iterations for p, spec in zip(pixels, recipe.passes, strict=True)]
        self.pass_started = self.started

    def start_pass(self) -> None:
        self.pass_started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def eta(self, index: int, iteration: int, iterations: int) -> float:
        per_iteration = (time.perf_counter() - self.pass_started) / max(1, iteration)
        per_unit = per_iteration * iterations / max(1, self.work[index])
        later = sum(self.work[index + 1 :])
        return per_iteration * (iterations - iteration) + per_unit * later


# A worker renders job after job with the same weights and layers: its network is kept between them,
# and with it each conv's flipped weights for NNPACK's backward pass (made on first use). Two at most,
# like the weight files themselves (vgg.conv_weights): the network shares their tensors on the CPU,
# and holds its own copy on a GPU (52 MB up to relu5_1, 80 MB for all of VGG-19).
_NETWORKS_KEPT = 2
_networks: OrderedDict[tuple[str, str, str], tuple[FeatureNet, WeightSource, ConvWeights]] = OrderedDict()
_networks_lock = threading.Lock()


def feature_network(layers: Collection[str], source: str, dev: torch.device) -> tuple[FeatureNet, WeightSource]:
    """VGG-19 truncated after the deepest of ``layers`` on ``dev``, set up by the device's speed work
    (painter.speed), kept for the next render that asks for the same."""
    # A kept network serves only while its weights are the ones vgg.conv_weights holds (cached there):
    # once they are dropped or reloaded, from another file or none, the network is built again from
    # them, or the missing file is reported, exactly as without this cache.
    weights = conv_weights(source) if source in SOURCES else None
    key = (source, last_layer(layers), str(dev))
    with _networks_lock:
        found = _networks.get(key)
        if found is not None and found[2] is weights:
            _networks.move_to_end(key)
            return found[0], found[1]
    net, weight_source = vgg19_features(layers, source=source, device=dev)
    net = backend_for(dev).network(net)
    if weights is not None:
        with _networks_lock:
            _networks[key] = (net, weight_source, weights)
            _networks.move_to_end(key)
            while len(_networks) > _NETWORKS_KEPT:
                _networks.popitem(last=False)
    return net, weight_source


def clear_network_cache() -> None:
    with _networks_lock:
        _networks.clear()


def warm_up(
    *,
    weights: str | None = None,
    device: str = "auto",
    layers: Collection[str] | None = None,
    pass_sizes: Collection[int] = (),
) -> dict[str, Any]:
    """Load what a worker's first render would otherwise load: torch, the weights, the network for
    ``layers`` (default: the recipes' default layers), each convolution's first call (on a 32 px image)
    and the optimisers' lazy imports; on a CPU, choose the convolution paths for passes of
    ``pass_sizes`` (long sides, 4:3 photos; other crops of a similar area share the choice), which
    a machine does once (painter.speed.tuning). For a worker's start, before it takes jobs;
    returns what it did and how long it took."""
    began = time.perf_counter()
    dev = resolve_device(device)
    source = weights or default_source()
    wanted = set(layers) if layers is not None else {*DEFAULT_CONTENT_LAYERS, *DEFAULT_STYLE_LAYERS}
    net, _ = feature_network(wanted, source, dev)
    loaded = time.perf_counter()
    speed = backend_for(dev)
    with torch.no_grad():
        net(torch.zeros(1, 3, 32, 32, device=dev).contiguous(memory_format=speed.memory_format), wanted)
    # torch's optimisers import torch._dynamo when the first one is made, which would otherwise slow a
    # fresh worker's first iteration.
    torch.optim.LBFGS([torch.zeros(1, requires_grad=True)])
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    content_layers = [name for name in DEFAULT_CONTENT_LAYERS if name in wanted]
    style_layers = [name for name in DEFAULT_STYLE_LAYERS if name in wanted]
    tuned = speed.choose_paths(net, content_layers, style_layers, pass_sizes)
    speed.synchronize()
    return {
        "conv_plans": tuned,
        "device": str(dev),
        "weights": source,
        "last_layer": last_layer(wanted),
        "load_seconds": round(loaded - began, 3),
        "seconds": round(time.perf_counter() - began, 3),
    }


def render(
    content: Image.Image,
    styles: Sequence[Image.Image],
    recipe: Recipe,
    *,
    device: str = "auto",
    weights: str | None = None,
    progress: ProgressCallback | None = None,
    save_every: int = 0,
    waifu2x_dir: str | os.PathLike[str] | None = None,
    memory_limit_bytes: int | None = None,
) -> RenderResult:
    """Render ``content`` in the style of ``styles`` as ``recipe`` says.

    Everything checkable is checked before the first pass: images, recipe against the images, device,
    memory, weights. ``progress`` is called after every loss evaluation; returning False (or raising
    RenderCancelled) stops the render with RenderCancelled.
    """
    began = time.perf_counter()
    photo, paintings = _checked_inputs(content, styles, recipe, save_every)
    photo = painted_photo(photo, paintings, recipe)
    sizes = [pass_sizes(spec, photo, paintings) for spec in recipe.passes]
    dev = resolve_device(device)
    _require_pass_memory(recipe, sizes, dev, memory_limit_bytes)
    if recipe.upscale.method == "waifu2x":
        _require_waifu2x_models(recipe.upscale, waifu2x_dir)

    source = weights or recipe.weights
    layers = {name for spec in recipe.passes for name in (*spec.content_layers, *spec.style_layers)}
    net, weight_source = feature_network(layers, source, dev)
    painted, pass_stats = _run_passes(
        net, weight_source, recipe, photo, paintings, sizes, dev, progress=progress, save_every=save_every
    )
    return _finish(painted, recipe, dev, waifu2x_dir, began=began, weights=source, pass_stats=pass_stats)


def _checked_inputs(
    content: Image.Image, styles: Sequence[Image.Image], recipe: Recipe, save_every: int
) -> tuple[Image.Image, list[Image.Image]]:
    """The photo and the paintings as RGB, once the recipe, the images and ``save_every`` are known to fit."""
    if not isinstance(recipe, Recipe):
        raise RecipeError("", f"recipe must be a Recipe (got {type(recipe).__name__}); see Recipe.from_dict")
    photo = _rgb(content, "the content image")
    if isinstance(styles, Image.Image) or not styles:
        raise ImageError("at least one style image is needed (a sequence of PIL images)")
    paintings = [_rgb(s, f"style image {i + 1}") for i, s in enumerate(styles)]
    if save_every < 0:
        raise EngineError(f"save_every must be 0 (never) or a positive number of iterations, not {save_every}")
    for i, spec in enumerate(recipe.passes):
        blend = spec.style_blend_weights
        if blend is not None and len(blend) != len(paintings):
            raise RecipeError(
                f"passes[{i}].style_blend_weights",
                f"has {len(blend)} weight(s) for {len(paintings)} style image(s)",
            )
    return photo, paintings


def painted_photo(photo: Image.Image, paintings: Sequence[Image.Image], recipe: Recipe) -> Image.Image:
    """The photo the passes paint from and keep the content of: the photo, its colours moved to the
    paintings' as far as the recipe's ``painting_colors`` says."""
    blend = recipe.passes[0].style_blend_weights
    return towards_painting_colours(photo, paintings, recipe.painting_colors, blend)


PassSizes = tuple[tuple[int, int], list[tuple[int, int]]]


def _require_pass_memory(
    recipe: Recipe, sizes: Sequence[PassSizes], dev: torch.device, memory_limit_bytes: int | None
) -> None:
    """InsufficientMemory before any work when one of the passes would not fit."""
    speed = backend_for(dev)
    for i, (spec, (size, style_dims)) in enumerate(zip(recipe.passes, sizes, strict=True)):
        needed = speed.pass_bytes(spec, size, style_dims)
        speed.require_memory(needed, limit=memory_limit_bytes, what=f"pass {i + 1} at {size[0]}x{size[1]} px")


def _run_passes(
    net: FeatureNet,
    weight_source: WeightSource,
    recipe: Recipe,
    photo: Image.Image,
    paintings: list[Image.Image],
    sizes: Sequence[PassSizes],
    dev: torch.device,
    *,
    progress: ProgressCallback | None,
    save_every: int,
) -> tuple[torch.Tensor, list[dict[str, Any]]]:
    """The recipe's passes one after the other, each starting from the last: the final image and per-pass stats."""
    clock = _Clock(recipe, [w * h for (w, h), _ in sizes])
    pass_stats: list[dict[str, Any]] = []
    previous: torch.Tensor | None = None
    for index, spec in enumerate(recipe.passes):
        clock.start_pass()
        backend_for(dev).reset_peak_memory()
        outcome: PassOutcome = run_pass(
            net,
            weight_source,
            spec,
            content=photo,
            styles=paintings,
            previous=previous,
            device=dev,
            on_iteration=_progress_reporter(progress, recipe, index, clock, dev, save_every),
        )
        previous = outcome.image
        pass_stats.append(_pass_stats(outcome, sizes[index][0], dev))
    assert previous is not None
    return previous, pass_stats


def _progress_reporter(
    progress: ProgressCallback | None,
    recipe: Recipe,
    index: int,
    clock: _Clock,
    dev: torch.device,
    save_every: int,
) -> IterationCallback:
    """The pass's per-iteration callback: a Progress for ``progress``, RenderCancelled when it answers False."""
    count = len(recipe.passes)

    def report(iteration: int, terms: LossTerms, rgb: Callable[[], torch.Tensor]) -> None:
        if progress is None:
            return
        iterations = recipe.passes[index].iterations
        snapshot = tensor_to_pil(rgb()) if save_every and iteration % save_every == 0 else None
        # One read back from a GPU for the four numbers, not four: each read waits for the queue to drain.
        total, content, style, tv = torch.stack([terms.total, terms.content, terms.style, terms.tv]).tolist()
        answer = progress(
            Progress(
                pass_index=index,
                pass_count=count,
                iteration=iteration,
                iterations=iterations,
                loss=total,
                content_loss=content,
                style_loss=style,
                tv_loss=tv,
                elapsed_s=clock.elapsed(),
                eta_s=clock.eta(index, iteration, iterations),
                peak_memory_bytes=backend_for(dev).peak_memory_bytes(),
                image=snapshot,
            )
        )
        if answer is False:
            raise RenderCancelled(
                f"render cancelled by its progress callback at pass {index + 1}, iteration {iteration}"
            )

    return report


def _pass_stats(outcome: PassOutcome, size: tuple[int, int], dev: torch.device) -> dict[str, Any]:
    w, h = size
    return {
        "size": [w, h],
        "iterations": outcome.iterations,
        "seconds": round(outcome.seconds, 3),
        "loss": outcome.loss,
        "content_loss": outcome.content_loss,
        "style_loss": outcome.style_loss,
        "tv_loss": outcome.tv_loss,
        "peak_memory_bytes": backend_for(dev).peak_memory_bytes(),
    }


def _finish(
    painted: torch.Tensor,
    recipe: Recipe,
    dev: torch.device,
    waifu2x_dir: str | os.PathLike[str] | None,
    *,
    began: float,
    weights: str,
    pass_stats: list[dict[str, Any]],
) -> RenderResult:
    """Post-process the last pass's image, then make the watermarked preview and the upscaled HD from it."""
    finishing = time.perf_counter()
    finished = post_process(tensor_to_pil(painted), recipe.post, dev)
    preview = apply_watermark(resize_longest(finished, min(PREVIEW_SIDE, max(finished.size))), recipe.watermark)
    post_seconds = time.perf_counter() - finishing
    upscaling = time.perf_counter()
    hd = upscale_image(finished, recipe.upscale, model_dir=waifu2x_dir, device=dev)
    upscale_seconds = time.perf_counter() - upscaling
    stats: dict[str, Any] = {
        "device": str(dev),
        "weights": weights,
        "passes": pass_stats,
        "post_seconds": round(post_seconds, 3),
        "upscale_seconds": round(upscale_seconds, 3),
        "total_seconds": round(time.perf_counter() - began, 3),
        "peak_memory_bytes": backend_for(dev).peak_memory_bytes(),
        "hd_size": list(hd.size),
        "preview_size": list(preview.size),
    }
    return RenderResult(hd=hd, preview=preview, stats=stats)
