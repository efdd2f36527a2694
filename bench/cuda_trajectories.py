"""The losses of a tiny two-pass render, iteration by iteration, under each GPU switch.

Why: on an H100 (2026-11-27, second run) ``test_cuda.py``'s render with CUDA graphs ended at 34.8 M
where the same render without them ended at 74.3 M, and compact L-BFGS's fifth step was 3.1e-3 from
torch's under TF32. Whether that is a fault of the graphs or the rounding of TF32 amplified by L-BFGS
without a line search shows in where the two sequences part: at the first evaluation (the recording
computes something else) or later and gradually (rounding). So this prints every loss of the test's
recipe (tubingen / starry_night at 64 and 96 px, 20 + 10 iterations) for graphs off and on, TF32 on
and off, and the exact start on and off, and the first iteration where each sequence leaves the
first one's by more than 1e-4.

    python bench/cuda_trajectories.py [--device cuda]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from painter import PassSpec, Progress, Recipe, Upscale, render
from painter.images import resize_longest

SHARED = Path(os.environ.get("PICMATIX_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
# CUDA graphs are the host's (speed only); TF32, the exact start and the L-BFGS are the recipe's.
SETTINGS: list[tuple[dict[str, str], dict[str, object]]] = [
    ({"PICMATIX_CUDA_GRAPHS": "0"}, {"tf32": False}),
    ({"PICMATIX_CUDA_GRAPHS": "1"}, {"tf32": False}),
    ({"PICMATIX_CUDA_GRAPHS": "0"}, {"tf32": True}),
    ({"PICMATIX_CUDA_GRAPHS": "1"}, {"tf32": True}),
    ({"PICMATIX_CUDA_GRAPHS": "0"}, {"tf32": True, "exact_start": 0}),
    ({"PICMATIX_CUDA_GRAPHS": "1"}, {"tf32": True, "exact_start": 0}),
    ({"PICMATIX_CUDA_GRAPHS": "0"}, {"tf32": True, "lbfgs_kind": "torch", "lbfgs_guard": None}),
    ({"PICMATIX_CUDA_GRAPHS": "0"}, {"tf32": False, "lbfgs_kind": "torch", "lbfgs_guard": None}),
]


def _tiny(path: Path, side: int) -> Image.Image:
    with Image.open(path) as image:
        return resize_longest(image.convert("RGB"), side)


def losses_of(seen: list[float]) -> Callable[[Progress], None]:
    return lambda progress: seen.append(progress.loss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    photo = _tiny(SHARED / "images/content/tubingen.jpg", 64)
    painting = _tiny(SHARED / "images/styles/starry_night.jpg", 64)
    compact = {"lbfgs_kind": "compact", "lbfgs_guard": None}
    first: list[float] | None = None
    for variables, fields in SETTINGS:
        os.environ.update(variables)
        passes = (PassSpec(size=64, iterations=20, seed=0), PassSpec(size=96, iterations=10, tv_weight=1e-3))
        recipe = Recipe(
            passes=tuple(replace(p, **{**compact, **fields}) for p in passes),  # type: ignore[arg-type]
            upscale=Upscale(method="none"),
        )
        setting = {**variables, **fields}
        losses: list[float] = []
        render(photo, [painting], recipe, device=args.device, progress=losses_of(losses))
        if first is None:
            first = losses
        apart = [i for i, (a, b) in enumerate(zip(losses, first, strict=True)) if abs(a - b) > 1e-4 * abs(b)]
        parts = apart[0] if apart else None
        print(json.dumps({"setting": setting, "parts_from_first_at": parts, "losses": [round(x) for x in losses]}))


if __name__ == "__main__":
    main()
