"""One Gatys pass: optimise an image so that its VGG features match the photo's content and the
paintings' style, with jcjohnson/neural-style's (neural_style.lua) settings."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image

from .errors import ImageError
from .images import MIN_SIDE, match_luminance, pil_to_tensor, scaled_size, style_side
from .lbfgs import CompactLBFGS
from .losses import Evaluation, LossTerms, content_targets, style_targets
from .precision import pass_arithmetic
from .recipe import PassSpec
from .speed import SpeedBackend, backend_for
from .targets_cache import style_key, style_target_cache
from .vgg import FeatureNet, WeightSource

__all__ = ["PassOutcome", "PassTargets", "initial_image", "pass_sizes", "pass_targets", "run_pass"]


@dataclass(frozen=True)
class PassOutcome:
    """What a pass produced: the image as (1, 3, H, W) RGB in [0, 1] on the device, and its numbers.

    ``iterations`` counts the optimiser's loss evaluations; the losses are those of ``image`` itself."""

    image: torch.Tensor
    iterations: int
    seconds: float
    loss: float
    content_loss: float
    style_loss: float
    tv_loss: float


#: Called after every loss evaluation with (iteration, losses, a function giving the current RGB image).
IterationCallback = Callable[[int, LossTerms, Callable[[], torch.Tensor]], None]


def _checked_size(image: Image.Image, longest: int, what: str) -> tuple[int, int]:
    width, height = scaled_size(image.size, longest)
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            f"{what} is {image.width}x{image.height}: at {longest} px it would be {width}x{height}, "
            f"and its shorter side must be at least {MIN_SIDE} px; use a less elongated image"
        )
    return width, height


def pass_sizes(
    spec: PassSpec, content: Image.Image, styles: Sequence[Image.Image]
) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """(width, height) of the content and of each style image in a pass; ImageError when too thin."""
    content_size = _checked_size(content, spec.size, "the content image")
    side = style_side(spec.size, spec.style_scale)
    style_dims = [_checked_size(s, side, f"style image {i + 1}") for i, s in enumerate(styles)]
    return content_size, style_dims


def initial_image(
    spec: PassSpec,
    content: torch.Tensor,
    previous: torch.Tensor | None,
    source: WeightSource,
    generator: torch.Generator,
) -> torch.Tensor:
    """The starting point in network space: the photo, noise (randn * 0.001 as neural_style.lua), or the
    previous pass's RGB result resized bilinearly to this pass's size."""
    if spec.init == "image":
        return source.preprocess(content)
    if spec.init == "random":
        noise = torch.randn(content.shape, generator=generator, device=content.device, dtype=content.dtype)
        return noise.mul_(0.001)
    if previous is None:
        raise ValueError("init 'previous' needs the previous pass's image")
    resized = F.interpolate(previous.to(content), size=content.shape[-2:], mode="bilinear", align_corners=False)
    return source.preprocess(resized.clamp_(0.0, 1.0))


def seeded_generator(seed: int | None, device: torch.device) -> torch.Generator:
    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    return generator


def run_pass(
    net: FeatureNet,
    source: WeightSource,
    spec: PassSpec,
    *,
    content: Image.Image,
    styles: Sequence[Image.Image],
    previous: torch.Tensor | None = None,
    device: torch.device | str = "cpu",
    on_iteration: IterationCallback | None = None,
) -> PassOutcome:
    """Optimise one pass, in the arithmetic its spec asks for. Content and style targets are computed
    once, here, at this pass's size."""
    with pass_arithmetic(tf32=spec.tf32, bf16=spec.bf16):
        return _optimised_pass(net, source, spec, content, styles, previous, torch.device(device), on_iteration)


def _optimised_pass(
    net: FeatureNet,
    source: WeightSource,
    spec: PassSpec,
    content: Image.Image,
    styles: Sequence[Image.Image],
    previous: torch.Tensor | None,
    device: torch.device,
    on_iteration: IterationCallback | None,
) -> PassOutcome:
    started = time.perf_counter()
    speed = backend_for(device)
    speed.start_pass(spec, *pass_sizes(spec, content, styles))
    targets = pass_targets(net, source, spec, content=content, styles=styles, device=device)
    photo, objective, memory_format = targets.photo, targets.objective, targets.memory_format
    start = initial_image(spec, photo, previous, source, seeded_generator(spec.seed, device))
    # The optimisers need the image dense (L-BFGS flattens its gradient with view); only the network's
    # input takes the device's preferred layout.
    x = start.contiguous().detach().requires_grad_(True)

    def current_rgb() -> torch.Tensor:
        return source.deprocess(x.detach()).clamp(0.0, 1.0)

    def into_range() -> None:
        with torch.no_grad():
            x.copy_(source.preprocess(current_rgb()))

    exact_start = spec.exact_start if spec.optimizer == "lbfgs" else 0
    evaluate = speed.evaluation(objective, exact_start=exact_start)
    evaluations = _optimise(
        x, evaluate, spec, memory_format, current_rgb, on_iteration, into_range if spec.keep_in_range else None
    )
    del evaluate  # a recording's memory goes back before the next pass
    with torch.no_grad():
        rgb = current_rgb().contiguous()
        if spec.original_colors:
            rgb = match_luminance(rgb, photo).clamp_(0.0, 1.0)
    # The optimisers' last evaluation is of the image before their last step, unclamped: the losses
    # reported are those of the image returned, as `python -m painter score` measures it (one more
    # evaluation, small beside a pass's hundreds).
    last, _ = objective(targets.network_input(source, rgb))
    return PassOutcome(
        image=rgb,
        iterations=evaluations,
        seconds=time.perf_counter() - started,
        loss=float(last.total.detach()),
        content_loss=float(last.content),
        style_loss=float(last.style),
        tv_loss=float(last.tv),
    )


@dataclass(frozen=True)
class PassTargets:
    """What a pass optimises against: the photo at the pass's size (RGB [0, 1] on the device), the
    objective built from it and the paintings, and the memory layout the network's input takes."""

    photo: torch.Tensor
    objective: Evaluation
    memory_format: torch.memory_format

    def network_input(self, source: WeightSource, rgb: torch.Tensor) -> torch.Tensor:
        """An RGB image at the pass's size as the objective takes it."""
        return source.preprocess(rgb).contiguous(memory_format=self.memory_format)


def pass_targets(
    net: FeatureNet,
    source: WeightSource,
    spec: PassSpec,
    *,
    content: Image.Image,
    styles: Sequence[Image.Image],
    device: torch.device,
    tune: bool = True,
) -> PassTargets:
    """The photo and the objective of one pass, at its size: what run_pass optimises and score measures.
    The device's speed work (painter.speed) sets ``net`` up for the device as it makes them, and may
    first prepare for a pass of this size, unless ``tune`` is false."""
    (width, height), style_dims = pass_sizes(spec, content, styles)
    speed = backend_for(device)
    with speed.making_targets(net, spec, (width, height), style_dims, tune=tune):
        photo = pil_to_tensor(content.resize((width, height), Image.Resampling.LANCZOS), device)
        objective = _objective(net, source, spec, photo, styles, style_dims, speed)
    return PassTargets(photo, objective, speed.memory_format)


def _objective(
    net: FeatureNet,
    source: WeightSource,
    spec: PassSpec,
    photo: torch.Tensor,
    styles: Sequence[Image.Image],
    style_dims: Sequence[tuple[int, int]],
    speed: SpeedBackend,
) -> Evaluation:
    """The pass's loss and gradient, against the photo's content and the paintings' style at this size."""
    memory_format = speed.memory_format

    def network_input(rgb: torch.Tensor) -> torch.Tensor:
        return source.preprocess(rgb).contiguous(memory_format=memory_format)

    content_goal = content_targets(net, network_input(photo), spec.content_layers)
    style_goal = _style_goal(net, source, spec, styles, style_dims, photo.device, memory_format)
    return speed.objective(
        net,
        content=content_goal,
        style=style_goal,
        content_weight=spec.content_weight,
        style_weight=spec.style_weight,
        tv_weight=spec.tv_weight,
        normalize_gradients=spec.normalize_gradients,
    )


def _style_goal(
    net: FeatureNet,
    source: WeightSource,
    spec: PassSpec,
    styles: Sequence[Image.Image],
    style_dims: Sequence[tuple[int, int]],
    device: torch.device,
    memory_format: torch.memory_format,
) -> dict[str, torch.Tensor]:
    """The paintings' blended Gram targets at this pass's size, from this worker's cache when an earlier
    pass (of any job) made the same ones: resizing the paintings and running them through VGG costs
    about one iteration at 960 px (painter/targets_cache.py)."""

    def compute() -> dict[str, torch.Tensor]:
        return style_targets(
            net,
            [
                source.preprocess(pil_to_tensor(s.resize(d, Image.Resampling.LANCZOS), device)).contiguous(
                    memory_format=memory_format
                )
                for s, d in zip(styles, style_dims, strict=True)
            ],
            spec.style_layers,
            spec.style_blend_weights,
        )

    cache = style_target_cache()
    if not cache.enabled or not spec.style_layers:
        return compute()
    key = style_key(net, source, styles, style_dims, spec.style_layers, spec.style_blend_weights, device, memory_format)
    return cache.get_or_compute(key, compute)


class InRangeLBFGS(torch.optim.LBFGS):
    """L-BFGS whose every step is followed by ``into_range`` (a projection of the image, in place), with
    the step it remembers being the one actually taken.

    torch's L-BFGS steps by ``t * d`` (in ``_add_grad``) and later stores ``s = t * d`` beside the
    change of gradient as a curvature pair. Clamping the image after the step (between the two) would
    leave ``s`` describing a move that did not happen, and the pairs would disagree with the gradients,
    which makes the painting markedly worse. Here the clamp's
    correction is folded into ``d``, so ``s`` is the real move. ``painter/tests/test_pass.py``
    checks the stored pairs against the images evaluated, which also catches a torch release that
    changes these internals.
    """

    def __init__(self, params: list[torch.Tensor], into_range: Callable[[], None], **options: Any) -> None:
        super().__init__(params, **options)
        self._into_range = into_range

    def _add_grad(self, step_size: float, update: torch.Tensor) -> None:
        (param,) = self._params
        with torch.no_grad():
            before = param.detach().clone()
            super()._add_grad(step_size, update)
            self._into_range()
            update.copy_(param.detach().sub(before).reshape(-1).div_(step_size))


def lbfgs_options(spec: PassSpec) -> dict[str, Any]:
    """The L-BFGS settings of a pass, for torch's optimiser and CompactLBFGS alike: neural_style.lua's
    optim.lbfgs config, maxIter = iterations, tolX = tolFun = -1 (never stop early), no line search,
    learning rate 1. Each iteration then costs one evaluation."""
    return dict(
        lr=1.0,
        max_iter=spec.iterations,
        # torch's default cap, 1.25 x max_iter evaluations rounded down, stopped passes of 2 and 3
        # iterations one step short; one evaluation more than the steps never binds.
        max_eval=spec.iterations + 1,
        tolerance_grad=-1.0,
        tolerance_change=-1.0,
        history_size=spec.lbfgs_history,
    )


def _optimizer(
    spec: PassSpec, x: torch.Tensor, into_range: Callable[[], None] | None = None
) -> torch.optim.LBFGS | CompactLBFGS | torch.optim.Adam:
    if spec.optimizer == "lbfgs":
        options = lbfgs_options(spec)
        if spec.lbfgs_kind == "compact":
            return CompactLBFGS([x], into_range=into_range, guard=spec.lbfgs_guard, **options)
        if into_range is not None:
            return InRangeLBFGS([x], into_range, line_search_fn=None, **options)
        return torch.optim.LBFGS([x], line_search_fn=None, **options)
    return torch.optim.Adam([x], lr=spec.learning_rate)


def _optimise(
    x: torch.Tensor,
    objective: Evaluation,
    spec: PassSpec,
    memory_format: torch.memory_format,
    current_rgb: Callable[[], torch.Tensor],
    on_iteration: IterationCallback | None,
    into_range: Callable[[], None] | None = None,
) -> int:
    """Step ``x`` in place for the pass's iterations; returns how many loss evaluations it took.
    ``into_range`` (keep_in_range) projects ``x`` onto displayable colours: the start and every step."""
    if into_range is not None:
        into_range()
    optimizer = _optimizer(spec, x, into_range)  # InRangeLBFGS projects its own steps
    evaluations = 0

    def closure() -> torch.Tensor:
        nonlocal evaluations
        terms, grad = objective(x.detach().contiguous(memory_format=memory_format))
        x.grad = grad.contiguous()
        evaluations += 1
        if on_iteration is not None:
            on_iteration(evaluations, terms, current_rgb)
        return terms.total

    if isinstance(optimizer, torch.optim.LBFGS | CompactLBFGS):
        optimizer.step(closure)
    else:
        for _ in range(spec.iterations):
            optimizer.step(closure)
            if into_range is not None:
                into_range()
    return evaluations
