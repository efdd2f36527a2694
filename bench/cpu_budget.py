"""The embedded default within its budget: the ``cpu`` recipe, whole job (passes, colour finishing,
watermark, HD upscale), at full size on the reference photos, at each painting's calibrated weight.

    python bench/cpu_budget.py [-i var/bench/calibration.json] [-o var/bench/cpu_budget.json]

For each (photo, painting) it prints the wall-clock time of the whole job, and the painting's
measure under its last pass's objective ("moved", "closed": painter.score) to put beside the seed's
on the same pairs (bench/judge.py). Run it on a quiet machine: the time is the claim.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pairs import REPO, SHARED, load_photo, load_style

from painter import recipe_preset, render
from painter.calibrate import with_style_multiplier
from painter.faces import check_landmarks
from painter.references import REFERENCES
from painter.score import stylisation

WAIFU2X = SHARED / "models" / "waifu2x" / "upconv_7_photo"
# Each reference photo with one of the demo paintings, so that every photo and painting is seen once.
RUNS = (("astronaut", "scream"), ("chelsea", "starry"), ("rocket", "matisse"))
BUDGET_S = 180


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-i", "--calibration", type=Path, default=REPO / "var" / "bench" / "calibration.json")
    parser.add_argument("-o", "--output", type=Path, default=REPO / "var" / "bench" / "cpu_budget.json")
    args = parser.parse_args()
    calibrated = json.loads(args.calibration.read_text())["paintings"] if args.calibration.exists() else {}
    results: dict[str, Any] = {}
    landmarks = {ref.key: ref.landmarks for ref in REFERENCES if ref.landmarks}
    for photo_key, painting in RUNS:
        photo, style = load_photo(photo_key), load_style(painting)
        multiplier = float(calibrated.get(painting, {}).get("multiplier", 1.0))
        recipe = with_style_multiplier(recipe_preset("cpu"), multiplier)
        started = time.perf_counter()
        result = render(photo, [style], recipe, device="cpu", waifu2x_dir=str(WAIFU2X))
        seconds = time.perf_counter() - started
        out = args.output.parent / "cpu_budget"
        out.mkdir(parents=True, exist_ok=True)
        result.preview.save(out / f"{photo_key}+{painting}-preview.jpg", quality=90)
        painted = result.hd.convert("RGB")
        measures = stylisation(painted, photo, [style], recipe, device="cpu")
        row: dict[str, Any] = {
            "multiplier": multiplier,
            "seconds": round(seconds, 1),
            "within_budget": seconds <= BUDGET_S,
            "hd_size": list(result.hd.size),
            "moved": [round(m.content_change or 0.0, 3) for m in measures],
            "closed": [round(m.style_closed or 0.0, 3) for m in measures],
        }
        if photo_key in landmarks:
            row["face_kept"] = all(c.kept for c in check_landmarks(painted, photo, landmarks[photo_key]))
        results[f"{photo_key}+{painting}"] = row
        print(photo_key, painting, row, flush=True)
        args.output.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
