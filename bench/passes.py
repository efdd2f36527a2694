"""Where a painting's style goes between the passes: the recipe cut after each pass, painted, looked at.

    python bench/passes.py PHOTO STYLE [--multiplier 4] [--recipe cpu] [--style-scale 0.5] [--cuts 1]

PHOTO and STYLE are keys of bench/pairs.py. Writes var/bench/passes/PHOTO+STYLE-xM-passN.jpg (the
colour finishing of the recipe applied, no upscale) and prints each cut's time and its measure under
its own last pass ("moved", "closed": painter.score).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pairs import REPO, load_photo, load_style

from painter import Upscale, recipe_preset, render
from painter.calibrate import with_style_multiplier
from painter.score import stylisation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photo")
    parser.add_argument("style")
    parser.add_argument("--multiplier", type=float, default=1.0)
    parser.add_argument("--recipe", default="cpu")
    parser.add_argument("--style-scale", type=float, help="every pass's style_scale (the recipe's otherwise)")
    parser.add_argument("--cuts", type=int, default=0, help="only the first N cuts")
    args = parser.parse_args()
    photo, style = load_photo(args.photo), load_style(args.style)
    full = with_style_multiplier(recipe_preset(args.recipe), args.multiplier)
    if args.style_scale is not None:
        full = dataclasses.replace(
            full, passes=tuple(dataclasses.replace(p, style_scale=args.style_scale) for p in full.passes)
        )
    tag = f"x{args.multiplier:g}" + (f"-scale{args.style_scale:g}" if args.style_scale is not None else "")
    out = REPO / "var" / "bench" / "passes"
    out.mkdir(parents=True, exist_ok=True)
    for cut in range(1, (args.cuts or len(full.passes)) + 1):
        recipe = dataclasses.replace(full, passes=full.passes[:cut], upscale=Upscale(method="none"))
        started = time.perf_counter()
        painted = render(photo, [style], recipe, device="cpu").hd
        seconds = time.perf_counter() - started
        painted.save(out / f"{args.photo}+{args.style}-{tag}-pass{cut}.jpg", quality=90)
        last = stylisation(painted, photo, [style], recipe, device="cpu")[-1]
        print(
            f"{args.photo}+{args.style} {tag} after pass {cut} ({recipe.passes[-1].size} px): "
            f"moved {last.content_change:.3f} closed {last.style_closed:.3f} in {seconds:.0f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
