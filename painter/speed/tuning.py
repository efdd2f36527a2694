"""Choosing the convolution paths of a whole pass on a CPU, once per machine and image size.

Timing each layer alone (painter.speed.convpath) misses what happens between layers: a layer that
runs channels-last hands its neighbours NHWC tensors, and ReLU masks, pools and additions into kept
activations run several times slower on mixed layouts than on one. So a pass's paths are chosen in two
steps, on random tensors of its shapes (the speed of a convolution does not depend on the values):

1. every convolution, both directions, with every path, its input already in that path's layout: the
   fastest per layer makes the ``mix`` plan (in a large pass, with at most one of the two paths that
   keep a workspace, :func:`one_banded_path`);
2. one whole evaluation (forward, losses, backward) under ``mix`` and under each path used everywhere;
   the fastest plan is kept for every convolution of that size.

This takes from seconds to minutes, so it is done once per machine and size: the plan is written
down for the next process (see convpath), and a render worker makes it for its default recipe's sizes
when it starts (``painter.pipeline.warm_up``).
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Collection

import torch
from torch import nn

from ..vgg import FeatureNet, TorchConvolutions
from . import convpath, winograd
from .backprop import LeanObjective
from .cpu_convs import (
    CpuConvolutions,
    conv_paths,
    drop_winograd_weights,
    keep_weight_copies,
    run_forward,
    run_input_grad,
)
from .memory import SMALL_PASS_BYTES, allocator_for_pass, estimate_pass_bytes, return_free_memory

__all__ = ["conv_shapes", "kept_plan", "one_banded_path", "release_for_pass", "tune_pass"]

logger = logging.getLogger(__name__)

Shape = tuple[int, int, int, int]
Plan = dict[str, str]


def conv_shapes(net: FeatureNet, height: int, width: int, last: str | None = None) -> list[tuple[Shape, nn.Conv2d]]:
    """(channels in, channels out, height, width) of each convolution up to ``last``, with its module."""
    shapes: list[tuple[Shape, nn.Conv2d]] = []
    convs = iter(net.convs)
    h, w = height, width
    for name, kind in net.plan:
        if kind == "pool":
            h, w = h // 2, w // 2
        elif kind == "conv":
            conv: nn.Conv2d = next(convs)  # type: ignore[assignment]
            shapes.append(((conv.in_channels, conv.out_channels, h, w), conv))
        if name == last:
            break
    return shapes


def _keys(shape: Shape) -> tuple[str, str]:
    return convpath.shape_key("forward", *shape), convpath.shape_key("backward", *shape)


def needs_tuning(net: FeatureNet, height: int, width: int, last: str) -> bool:
    """Whether any convolution of a pass at this size lacks a kept choice (and paths are not forced)."""
    if convpath.forced_path() is not None:
        return False
    known = convpath.chosen_paths()
    return any(key not in known for shape, _ in conv_shapes(net, height, width, last) for key in _keys(shape))


def release_for_pass(net: FeatureNet, height: int, width: int, last: str) -> None:
    """Drop what a pass at this size will not read: every cached copy of a weight that its chosen paths
    do not use (all of them past ``last``), and the Winograd path's band buffer, which grows back to the
    pass's own largest band. A convolution without a choice yet keeps its copies: its paths will be
    measured in the pass."""
    known = convpath.chosen_paths()
    inside = conv_shapes(net, height, width, last)
    for (c_in, c_out, h, w), conv in inside:
        forced = convpath.forced_for(c_in, c_out)
        chosen = {d: forced or known.get(convpath.shape_key(d, c_in, c_out, h, w)) for d in convpath.DIRECTIONS}
        uses = [(direction, path) for direction, path in chosen.items() if path is not None]
        if len(uses) == len(chosen):
            keep_weight_copies(conv, uses)
    for _, later in conv_shapes(net, height, width)[len(inside) :]:
        keep_weight_copies(later, ())
    winograd.release_workspace()


def _layer_plan(shapes: list[tuple[Shape, nn.Conv2d]], repeats: int) -> tuple[Plan, dict[str, dict[str, float]]]:
    plan: Plan = {}
    timings: dict[str, dict[str, float]] = {}
    for shape, conv in shapes:
        forward_key, backward_key = _keys(shape)
        if forward_key in plan:
            continue  # conv3_2 to conv3_4 share a shape
        c_in, c_out, h, w = shape
        for key, channels in ((forward_key, c_in), (backward_key, c_out)):
            times: dict[str, float] = {}
            for path in conv_paths(*shape):
                layout = torch.channels_last if path in {"channels_last", "winograd"} else torch.contiguous_format
                x = torch.randn(1, channels, h, w).contiguous(memory_format=layout)
                if key == forward_key:
                    run = functools.partial(run_forward, path, conv, x)
                else:
                    run = functools.partial(run_input_grad, path, conv, x, None)
                times[path] = convpath.best_time(run, repeats)
                del x, run
            plan[key] = min(times, key=times.__getitem__)
            timings[key] = times
        # Measured: the Winograd path's transformed weights and buffer go until a plan uses them.
        drop_winograd_weights(conv)
        winograd.release_workspace()
    return plan, timings


# The two paths that run in bands keep a workspace each, of up to the band limit: NNPACK's for the life
# of the thread (torch's), Winograd's until the pass ends. A plan that mixes them holds both.
BANDED_PATHS = ("nnpack", "winograd")


def one_banded_path(plan: Plan, timings: dict[str, dict[str, float]], counts: Counter[str]) -> Plan:
    """``plan`` where it uses at most one of :data:`BANDED_PATHS`; else the cheaper of the two plans
    that each leave one of them out (each convolution then on its fastest remaining path), by the
    layers' timings, ``counts`` convolutions per key."""
    if not all(path in plan.values() for path in BANDED_PATHS):
        return plan
    candidates = []
    for left_out in BANDED_PATHS:
        candidate = {
            key: min((path for path in times if path != left_out), key=times.__getitem__)
            for key, times in timings.items()
        }
        candidates.append((sum(timings[key][path] * counts[key] for key, path in candidate.items()), candidate))
    return min(candidates, key=lambda scored: scored[0])[1]


def _uniform_plan(shapes: list[tuple[Shape, nn.Conv2d]], path: str) -> Plan:
    """``path`` everywhere it may run; channels-last where it may not (NCHW oneDNN's copies too big)."""
    plan: Plan = {}
    for shape, _ in shapes:
        allowed = conv_paths(*shape)
        for key in _keys(shape):
            plan[key] = path if path in allowed else "channels_last"
    return plan


def _dummy_objective(
    net: FeatureNet, height: int, width: int, content_layers: Collection[str], style_layers: Collection[str]
) -> tuple[LeanObjective, torch.Tensor]:
    """A pass's objective on random targets of the right shapes, and a random image: timing only."""
    image = torch.randn(1, 3, height, width) * 60
    with torch.no_grad():
        features = net(image, [*content_layers, *style_layers])
    content = {name: torch.randn_like(features[name]) for name in content_layers}
    style = {name: torch.randn(features[name].shape[1], features[name].shape[1]) for name in style_layers}
    del features
    objective = LeanObjective(net, content=content, style=style, content_weight=5.0, style_weight=100.0, tv_weight=1e-3)
    return objective, image


# A mixed plan must beat the best single path by this much: its per-layer timings come from layers
# run alone, and its layout changes cost copies that one evaluation on a busy host can hide.
MIX_MARGIN = 0.03


def kept_plan(seconds: dict[str, float]) -> str:
    """The plan :func:`tune_pass` keeps, given the seconds it returned: the fastest single path, or the
    mixed plan where it beats that by the margin."""
    uniform = {name: s for name, s in seconds.items() if name != "mix"}
    best = min(uniform, key=uniform.__getitem__)
    if "mix" in seconds and seconds["mix"] < uniform[best] * (1 - MIX_MARGIN):
        return "mix"
    return best


def tune_pass(
    net: FeatureNet,
    height: int,
    width: int,
    content_layers: Collection[str],
    style_layers: Collection[str],
    *,
    pass_bytes: int | None = None,
) -> dict[str, float]:
    """Choose and keep the paths of every convolution of a pass at height x width (see the module's
    docstring); returns the seconds of one evaluation under each plan tried (empty: nothing to do).
    ``pass_bytes``: the pass's own estimate, when it runs inside one (its allocator is left as it set it).
    A network still on torch's own convolutions is given the CPU's, whose paths the plans choose."""
    layers = [*content_layers, *style_layers]
    last = max(layers, key=net.names.index)
    if not needs_tuning(net, height, width, last):
        return {}
    if isinstance(net.convolutions, TorchConvolutions):
        net.convolutions = CpuConvolutions()
    started = time.perf_counter()
    # The whole-pass evaluations below allocate what a pass does: under the allocator a pass of this
    # size sets (painter.speed.memory), not whatever the last pass left: with glibc's moving
    # threshold, a large tuning's heap fragments from one plan's evaluation to the next, and its
    # peak climbs past the pass's own.
    if pass_bytes is None:
        pass_bytes = estimate_pass_bytes(
            height, width, content_layers=content_layers, style_layers=style_layers, optimizer="adam"
        )
    allocator_for_pass(pass_bytes)
    shapes = conv_shapes(net, height, width, last)
    # Two timed runs per layer and plan where that is cheap; one at large sizes, where an evaluation
    # takes seconds and its layers' differences stand well above the noise.
    repeats = 2 if height * width <= 400 * 300 else 1
    plans: dict[str, Plan] = {}
    plans["mix"], layer_timings = _layer_plan(shapes, repeats)
    if pass_bytes > SMALL_PASS_BYTES:
        # Where a pass is large, a second workspace is what puts it over its bound, for the little a
        # layer or two gains on the other banded path.
        counts = Counter(key for shape, _ in shapes for key in _keys(shape))
        plans["mix"] = one_banded_path(plans["mix"], layer_timings, counts)
    uniform = list(conv_paths())
    if "winograd" not in plans["mix"].values():
        # Lost on every layer alone, so it cannot win as a whole pass: not tried.
        uniform = [path for path in uniform if path != "winograd"]
    for path in uniform:
        plans[path] = _uniform_plan(shapes, path)
    convpath.assign(plans["mix"], keep=False)  # so that making the dummy targets measures nothing
    objective, image = _dummy_objective(net, height, width, content_layers, style_layers)
    # The transformed weights (four times the weights) and the bands' buffer would sit on top of every
    # other plan's evaluation, raising the tuning's peak above the pass's: they go now (the dummy
    # targets made some), and the plans that use them run last and make them again.
    for _, conv in shapes:
        drop_winograd_weights(conv)
    winograd.release_workspace()
    seconds: dict[str, float] = {}
    for name in sorted(plans, key=lambda name: "winograd" in plans[name].values()):
        convpath.assign(plans[name], keep=False)
        # Two timed evaluations at every size: with one, a neighbour's burst on a shared host could
        # decide the plan.
        seconds[name] = convpath.best_time(lambda: objective(image), 2)
        winograd.release_workspace()
    best = kept_plan(seconds)
    convpath.assign(plans[best], keep=True, timings=layer_timings)
    release_for_pass(net, height, width, last)  # the copies of weights measured but not chosen
    return_free_memory()  # the plans' temporaries, which a small pass's allocator would keep mapped
    logger.info(
        "convolution paths for %d x %d: %s (%s; chosen in %.1f s)",
        width,
        height,
        best,
        ", ".join(f"{name} {s:.3f} s" for name, s in seconds.items()),
        time.perf_counter() - started,
    )
    return seconds
