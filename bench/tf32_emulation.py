"""A GPU's TF32 rounding on the CPU: does nimble's 960 px pass go wrong as it did on the H100?

On an H100 under TF32 (bench/README.md, "GPU run, 2026-11-27"), nimble's pass 2 on tubingen /
starry_night crawled for 20 iterations, then one step threw the image far off; under full fp32 it did
not. TF32 keeps 10 of fp32's 23 mantissa bits of every input to a convolution or a matrix product
(and accumulates in fp32). This rounds exactly those inputs the same way (round to nearest even at
bit 13) in the engine's hand-written backward pass: both convolutions' inputs and weights, and both
Gram products' operands. Pass 1 is painted once at full precision (the H100's ended the same under
both); pass 2 is then run from it plain, emulated (``tf32``), and emulated with the engine's exact
start (``tf32-exact``: painter.precision.ExactStart, on a GPU by default), with the same
convolution code.

    python bench/tf32_emulation.py [--pair 0] [--scale 1.0] [--iterations 40] [--recipe nimble]
        [--modes plain tf32 tf32-exact]

Prints each iteration's loss (plain, emulated) and the steps after which the loss more than doubled.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

OUT = REPO / "bench" / "out" / "tf32"


def to_tf32(x: Any) -> Any:
    """fp32 rounded to TF32's 10-bit mantissa (nearest, ties to even), still stored as fp32."""
    import torch

    bits = x.detach().contiguous().view(torch.int32)
    odd = (bits >> 13) & 1
    rounded = (bits + 0x0FFF + odd) & ~0x1FFF
    return rounded.view(torch.float32).view(x.shape).contiguous(memory_format=torch.contiguous_format)


@contextmanager
def rounding(emulate: bool = True) -> Iterator[None]:
    """The CPU's convolutions and the hand-written backward pass's products (painter.speed.backprop) with
    their inputs rounded as TF32 rounds them, while ``torch.backends.cudnn.allow_tf32`` is on, as on a
    GPU: the engine's ``precision.full_precision()`` turns it off, and then nothing is rounded. With
    ``emulate`` false, the same convolution code without rounding (the comparison's other side)."""
    import torch
    import torch.nn.functional as F

    from painter.speed import backend_for, backprop
    from painter.speed.cpu import CpuBackend

    def round_(t: Any) -> Any:
        return to_tf32(t) if emulate and torch.backends.cudnn.allow_tf32 else t

    def forward(conv: Any, x: Any) -> Any:
        return F.conv2d(round_(x), round_(conv.weight), conv.bias, padding=1)

    def input_grad(conv: Any, grad: Any, *, add_to: Any = None) -> Any:
        result = F.conv_transpose2d(round_(grad), round_(conv.weight), padding=1)
        return result if add_to is None else add_to.add_(result)

    def gram_matrix(features: Any) -> Any:
        _, c, h, w = features.shape
        flat = round_(features).reshape(c, h * w)
        return torch.mm(flat, flat.t()).mul_(1.0 / (c * h * w))

    left_multiply = backprop.left_multiply_in_place

    def left_multiply_rounded(matrix: Any, features: Any) -> Any:
        features.copy_(round_(features))
        return left_multiply(round_(matrix), features)

    # A CPU network runs its backend's convolutions (one object, shared by every network it set up):
    # their methods are replaced for the duration, and put back for every network at once.
    speed = backend_for("cpu")
    assert isinstance(speed, CpuBackend)
    convolutions = speed.convolutions
    saved = (backprop.gram_matrix, backprop.left_multiply_in_place)
    flag = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = True
    setattr(convolutions, "forward", forward)  # noqa: B010
    setattr(convolutions, "input_grad", input_grad)  # noqa: B010
    backprop.gram_matrix = gram_matrix
    backprop.left_multiply_in_place = left_multiply_rounded
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32 = flag
        delattr(convolutions, "forward")
        delattr(convolutions, "input_grad")
        backprop.gram_matrix, backprop.left_multiply_in_place = saved


@contextmanager
def exact_start(count: int) -> Iterator[None]:
    """The engine's exact start (painter.precision.ExactStart), which applies on a GPU only, turned on
    for this CPU run: its first ``count`` evaluations per pass under full_precision()."""
    from painter.precision import ExactStart
    from painter.speed import backend_for

    speed = backend_for("cpu")
    setattr(speed, "evaluation", lambda evaluate, *, exact_start: ExactStart(evaluate, count))  # noqa: B010
    try:
        yield
    finally:
        delattr(speed, "evaluation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pair", type=int, default=0, help="index into schedule_bench.PAIRS")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--iterations", type=int, default=40, help="of pass 2")
    parser.add_argument("--modes", nargs="+", default=["plain", "tf32", "tf32-exact"])
    parser.add_argument("--recipe", default="nimble", help="a preset of two passes (nimble, seed)")
    args = parser.parse_args()

    import torch
    from schedule_bench import PAIRS, SHARED

    from painter import load_image, recipe_preset
    from painter.pipeline import feature_network
    from painter.transfer import run_pass
    from painter.vgg import default_source

    content_name, style_name = PAIRS[args.pair]
    photo = load_image(SHARED / "content" / content_name)
    painting = load_image(SHARED / "styles" / style_name)
    preset = recipe_preset(args.recipe)
    first, second = (replace(p, size=max(32, round(p.size * args.scale))) for p in preset.passes)
    second = replace(second, iterations=args.iterations)
    layers = {name for spec in (first, second) for name in (*spec.content_layers, *spec.style_layers)}
    net, source = feature_network(layers, default_source(), torch.device("cpu"))
    OUT.mkdir(parents=True, exist_ok=True)
    cached = OUT / f"pass1_{args.recipe}_{Path(content_name).stem}_{Path(style_name).stem}_{first.size}.pt"
    if cached.exists():
        start = torch.load(cached)
    else:
        began = time.perf_counter()
        start = run_pass(net, source, first, content=photo, styles=[painting]).image
        torch.save(start, cached)
        print(f"pass 1 at {first.size} px: {time.perf_counter() - began:.0f} s", flush=True)
    for mode in args.modes:
        losses: list[float] = []

        def record(i: int, terms: Any, rgb: Any, losses: list[float] = losses) -> None:
            losses.append(float(terms.total))

        began = time.perf_counter()
        # tf32-exact: the engine's exact start (first 2 evaluations of the pass in full precision), TF32 after.
        with rounding(mode.startswith("tf32")), exact_start(2 if mode == "tf32-exact" else 0):
            outcome = run_pass(
                net, source, second, content=photo, styles=[painting], previous=start, on_iteration=record
            )
        jumps = [i + 2 for i in range(len(losses) - 1) if losses[i + 1] > 2 * losses[i]]
        row = {
            "mode": mode,
            "recipe": args.recipe,
            "pair": [content_name, style_name],
            "size": second.size,
            "iterations": args.iterations,
            "lbfgs": second.lbfgs_kind,
            "guard": second.lbfgs_guard,
            "losses": [round(v) for v in losses],
            "final_loss": outcome.loss,
            "doubled_at": jumps,
            "seconds": round(time.perf_counter() - began, 1),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
