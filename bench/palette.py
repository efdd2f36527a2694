"""Painting from the photo's colours or from the painting's: every pair, both ways, looked at and measured.

    python bench/palette.py [--largest 400] [--pairs held_out] [--amounts 0 1] [-o var/bench/palette.json]

For each pair of bench/pairs.py, the ``cpu`` recipe scaled so that its largest pass is ``--largest``
px (both passes, colour finishing, no upscale), at the style's calibrated multiplier (CALIBRATED:
what bench/calibration.py found, bench/README "Calibration"), paints the photo once for each
``painting_colors`` in ``--amounts``. Each painting is measured (painter.score.stylisation under its
own recipe's last pass: **colour**, the share of the distance between the photo's colours and the
painting's closed, from the customer's photo; **moved** and **closed** from the photo the passes
paint from) and, where the photo has marked landmarks (the astronaut), checked for its eyes and mouth
(painter.faces). A sheet per pair (photo, painting, one column per amount) goes next to the JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pairs import PAIRS, REPO, load_photo, load_style, row_sheet

from painter import recipe_preset, render
from painter.calibrate import with_style_multiplier
from painter.faces import check_landmarks
from painter.recipe import recipe_small
from painter.references import REFERENCES
from painter.score import stylisation

#: The multipliers bench/calibration.py found (2026-12-07, bench/README "Calibration"); Seated Nude's
#: first run (x4; the second found x16 by a hair).
CALIBRATED = {
    "starry": 1.0,
    "scream": 4.0,
    "matisse": 4.0,
    "picasso": 4.0,
    "nude": 4.0,
    "nocturne": 1.0,
    "sunset-waves": 0.25,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--largest", type=int, default=400)
    parser.add_argument("--pairs", choices=("held_out", "chosen", "all"), default="all")
    parser.add_argument("--amounts", type=float, nargs="+", default=[0.0, 1.0])
    parser.add_argument("--only", nargs="*", default=[], help="pair names (photo+style)")
    parser.add_argument("-o", "--output", type=Path, default=REPO / "var" / "bench" / "palette.json")
    args = parser.parse_args()
    pairs = [p for p in PAIRS if args.pairs == "all" or p.split == args.pairs]
    pairs.sort(key=lambda p: p.split != "held_out")  # the held-out pairs first: they decide
    if args.only:
        pairs = [p for p in pairs if p.name in args.only]
    out_dir = args.output.with_suffix("")
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = json.loads(args.output.read_text()) if args.output.exists() else {}
    landmarks = {ref.key: ref.landmarks for ref in REFERENCES if ref.landmarks}
    for pair in pairs:
        photo, style = load_photo(pair.photo), load_style(pair.style)
        multiplier = CALIBRATED.get(pair.style, 1.0)
        base = with_style_multiplier(recipe_small(recipe_preset("cpu"), args.largest), multiplier)
        row = results.setdefault(pair.name, {"split": pair.split, "multiplier": multiplier, "amounts": {}})
        images = [photo, style]
        for amount in args.amounts:
            recipe = dataclasses.replace(base, painting_colors=amount)
            started = time.perf_counter()
            painted = render(photo, [style], recipe, device="cpu").hd
            seconds = time.perf_counter() - started
            painted.save(out_dir / f"{pair.name}-colors{amount:g}.jpg", quality=90)
            images.append(painted)
            last = stylisation(painted, photo, [style], recipe, device="cpu")[-1]
            entry: dict[str, Any] = {
                "colour_closed": last.colour_closed,
                "moved": last.content_change,
                "closed": last.style_closed,
                "seconds": round(seconds, 1),
            }
            if pair.photo in landmarks:
                checks = check_landmarks(painted, photo, landmarks[pair.photo])
                entry["face_kept"] = all(c.kept for c in checks)
            row["amounts"][f"{amount:g}"] = entry
            colour = "-" if last.colour_closed is None else f"{last.colour_closed:.3f}"
            print(
                f"{pair.name:24} {pair.split:8} x{multiplier:g} colors {amount:g}: colour {colour}"
                f" moved {last.content_change:.3f} closed {last.style_closed:.3f}"
                + (f" face {'kept' if entry['face_kept'] else 'LOST'}" if "face_kept" in entry else "")
                + f" ({seconds:.0f} s)",
                flush=True,
            )
        row_sheet(images).save(out_dir / f"{pair.name}.jpg", quality=88)
        args.output.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
